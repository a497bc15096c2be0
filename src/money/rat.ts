// Exact rational numbers over bigint. Prices (wei per pixel/unit), expected values and fees are
// rationals: go-livepeer uses big.Rat for the same reason — a rounded price changes the HMAC input
// and a rounded EV drifts balances. Instances are immutable and always reduced with den > 0, so
// structural equality (num and den) is value equality.
import { DivisionByZeroError, MoneyError } from './errors.js';

// 2^256 − 1 = F0·F1·…·F7 (the Fermat numbers 2^(2^i) + 1), squarefree, with these primes. A
// ticket's EV is faceValue · winProb / (2^256 − 1), so the denominators of EVs (and of their sums)
// divide it; the gcd with one is then the product of its primes that divide both, found by 11
// small remainders instead of Euclid's ~150 divisions of 256-bit numbers. The same holds for a
// divisor of (2^256 − 1)², the product of two EV denominators (a sum of two EVs, an EV times an
// EV-denominated balance, before reduction): each prime then divides it at most twice.
const M256 = (1n << 256n) - 1n;
const M256_SQ = M256 * M256;
const M256_PRIMES = [3n, 5n, 17n, 257n, 641n, 65537n, 274177n, 6700417n, 67280421310721n, 59649589127497217n, 5704689200685129054721n];
/** Below this both operands fit a double exactly: Euclid runs on numbers. */
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A divisor of (2^256 − 1)²'s primes, and each one's square where it divides twice (else 0). */
interface Factors {
  primes: bigint[];
  squares: bigint[];
}

function m256Factors(b: bigint): Factors | undefined {
  if (M256_SQ % b !== 0n) return undefined;
  const f: Factors = { primes: [], squares: [] };
  for (const p of M256_PRIMES) {
    if (b % p !== 0n) continue;
    f.primes.push(p);
    f.squares.push(b % (p * p) === 0n ? p * p : 0n);
  }
  return f;
}

// One session's balances and EVs share a handful of denominators: their factors are kept (a few
// entries, most recent first), so a reduction costs only the remainders of the numerator.
const FACTOR_CACHE = 8;
const factorDens: bigint[] = [];
const factorLists: (Factors | undefined)[] = [];
function factorsOf(b: bigint): Factors | undefined {
  for (let i = 0; i < factorDens.length; i++) if (factorDens[i] === b) return factorLists[i];
  const f = m256Factors(b);
  factorDens.unshift(b);
  factorLists.unshift(f);
  if (factorDens.length > FACTOR_CACHE) {
    factorDens.pop();
    factorLists.pop();
  }
  return f;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  const big = a > b ? a : b;
  const small = a > b ? b : a;
  if (small === 0n) return big;
  // A small operand (a ticket count, an integer price): one big remainder, then Euclid on doubles.
  if (small <= SAFE) {
    let x = Number(small);
    let y = Number(big % small);
    while (y !== 0) {
      const t = x % y;
      x = y;
      y = t;
    }
    return BigInt(x);
  }
  const f = factorsOf(b);
  if (f !== undefined) {
    // gcd = Π p^min(v_p(a), v_p(b)), with v_p(b) ≤ 2.
    let g = 1n;
    for (let i = 0; i < f.primes.length; i++) {
      const p = f.primes[i]!;
      if (a % p !== 0n) continue;
      const p2 = f.squares[i]!;
      g *= p2 !== 0n && a % p2 === 0n ? p2 : p;
    }
    return g;
  }
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export type RatLike = Rat | bigint;

export class Rat {
  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    this.num = num;
    this.den = den;
    Object.freeze(this);
  }

  static readonly ZERO: Rat = new Rat(0n, 1n);
  static readonly ONE: Rat = new Rat(1n, 1n);

  /** n/d reduced; throws DivisionByZeroError when d = 0. */
  static of(n: bigint, d: bigint = 1n): Rat {
    if (typeof n !== 'bigint' || typeof d !== 'bigint') {
      throw new TypeError('Rat.of takes bigint arguments (money never goes through number)');
    }
    if (d === 0n) throw new DivisionByZeroError('Rat.of');
    if (n === 0n) return Rat.ZERO;
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    if (d === 1n) return new Rat(n, 1n);
    const g = gcd(n, d);
    return g === 1n ? new Rat(n, d) : new Rat(n / g, d / g);
  }

  static from(n: bigint): Rat {
    return Rat.of(n, 1n);
  }

  /** Parses "n/d" or "n" (integers, optional leading '-'), the format `toString()` produces. */
  static parse(s: string): Rat {
    const m = /^(-?\d+)(?:\/(-?\d+))?$/.exec(s.trim());
    if (!m) throw new MoneyError('AMOUNT_MALFORMED', `not a rational "${s}": expected "n/d" or "n" with integer n, d`);
    return Rat.of(BigInt(m[1]!), m[2] === undefined ? 1n : BigInt(m[2]));
  }

  private static lift(x: RatLike): Rat {
    return typeof x === 'bigint' ? Rat.from(x) : x;
  }

  // The fast paths below skip the gcd where the result is known to be reduced already: ticket EVs
  // have denominators around 2^256 (winProb / (2^256 − 1)), whose gcd is the costliest step of
  // the per-job credit arithmetic, while fees are integers more often than not.

  add(o: RatLike): Rat {
    const b = Rat.lift(o);
    if (b.num === 0n) return this;
    if (this.num === 0n) return b;
    // n/d + k = (n + k·d)/d, and gcd(n + k·d, d) = gcd(n, d) = 1.
    if (b.den === 1n) return new Rat(this.num + b.num * this.den, this.den);
    if (this.den === 1n) return new Rat(b.num + this.num * b.den, b.den);
    if (this.den === b.den) return Rat.of(this.num + b.num, this.den);
    return Rat.of(this.num * b.den + b.num * this.den, this.den * b.den);
  }

  sub(o: RatLike): Rat {
    const b = Rat.lift(o);
    if (b.num === 0n) return this;
    if (b.den === 1n) return new Rat(this.num - b.num * this.den, this.den);
    if (this.den === 1n) return new Rat(this.num * b.den - b.num, b.den);
    if (this.den === b.den) return Rat.of(this.num - b.num, this.den);
    return Rat.of(this.num * b.den - b.num * this.den, this.den * b.den);
  }

  mul(o: RatLike): Rat {
    const b = Rat.lift(o);
    if (this.num === 0n || b.num === 0n) return Rat.ZERO;
    // n/d · k: only k and d can share factors (gcd(n, d) = 1), and k is small next to d.
    if (b.den === 1n) return Rat.scaled(this, b.num);
    if (this.den === 1n) return Rat.scaled(b, this.num);
    return Rat.of(this.num * b.num, this.den * b.den);
  }

  /** r · k for a reduced r and an integer k ≠ 0: reduced with gcd(k, r.den) alone. */
  private static scaled(r: Rat, k: bigint): Rat {
    const g = gcd(k, r.den);
    return g === 1n ? new Rat(r.num * k, r.den) : new Rat(r.num * (k / g), r.den / g);
  }

  div(o: RatLike): Rat {
    const b = Rat.lift(o);
    if (b.num === 0n) throw new DivisionByZeroError('Rat.div');
    return Rat.of(this.num * b.den, this.den * b.num);
  }

  neg(): Rat {
    return this.num === 0n ? this : new Rat(-this.num, this.den);
  }

  abs(): Rat {
    return this.num < 0n ? new Rat(-this.num, this.den) : this;
  }

  /** -1, 0 or 1. */
  cmp(o: RatLike): -1 | 0 | 1 {
    const b = Rat.lift(o);
    const l = this.num * b.den;
    const r = b.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  eq(o: RatLike): boolean {
    return this.cmp(o) === 0;
  }
  lt(o: RatLike): boolean {
    return this.cmp(o) < 0;
  }
  lte(o: RatLike): boolean {
    return this.cmp(o) <= 0;
  }
  gt(o: RatLike): boolean {
    return this.cmp(o) > 0;
  }
  gte(o: RatLike): boolean {
    return this.cmp(o) >= 0;
  }

  /** Largest integer ≤ this (towards −∞, unlike bigint `/` which truncates towards 0). */
  floor(): bigint {
    const q = this.num / this.den;
    return this.num < 0n && q * this.den !== this.num ? q - 1n : q;
  }

  /** ⌈this / o⌉, without reducing the quotient first (a ceiling does not depend on it). */
  divCeil(o: RatLike): bigint {
    const b = Rat.lift(o);
    if (b.num === 0n) throw new DivisionByZeroError('Rat.divCeil');
    let n = this.num * b.den;
    let d = this.den * b.num;
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const q = n / d;
    return n > 0n && q * d !== n ? q + 1n : q;
  }

  /** Smallest integer ≥ this. */
  ceil(): bigint {
    const q = this.num / this.den;
    return this.num > 0n && q * this.den !== this.num ? q + 1n : q;
  }

  isZero(): boolean {
    return this.num === 0n;
  }
  isNegative(): boolean {
    return this.num < 0n;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }

  /** "n/d", or "n" when the denominator is 1 (go-livepeer's big.Rat.RatString format). */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }

  toJSON(): string {
    return this.toString();
  }
}
