// Keccak-256 on a tiny WebAssembly Keccak-f[1600] that this file assembles at load time (no
// binary blob, no dependency): 64-bit lanes are native in wasm, which makes a permutation several
// times faster than a 32-bit-halves JS implementation — and the ticket hot path runs four to five
// permutations per ticket. Constants (rotation offsets, round constants) are derived from the
// FIPS 202 definitions below rather than typed in. keccak.ts falls back to @noble/hashes if
// WebAssembly is unavailable; keccak.test.ts checks both agree on every length 0..700.

const RATE = 136; // bytes, Keccak-256
const STATE = 0; // 25 lanes × 8 bytes
const RC_BASE = 200; // 24 round constants × 8 bytes
const INPUT = 512; // input area
const PAGES = 2;
const INPUT_MAX = Math.floor((PAGES * 65536 - INPUT) / RATE) * RATE;

/** Rotation offsets r[x + 5y] (FIPS 202 §3.2.2). */
function rhoOffsets(): number[] {
  const r = new Array<number>(25).fill(0);
  let x = 1;
  let y = 0;
  for (let t = 0; t < 24; t++) {
    r[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  return r;
}

/** rc(t) bit (FIPS 202 Algorithm 5). */
function rcBit(t: number): number {
  if (t % 255 === 0) return 1;
  let R = [1, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 1; i <= t % 255; i++) {
    R = [0, ...R];
    R[0]! ^= R[8]!;
    R[4]! ^= R[8]!;
    R[5]! ^= R[8]!;
    R[6]! ^= R[8]!;
    R = R.slice(0, 8);
  }
  return R[0]!;
}

/** Round constants for ir = 0..23 (FIPS 202 Algorithm 6). */
function roundConstants(): bigint[] {
  const out: bigint[] = [];
  for (let ir = 0; ir < 24; ir++) {
    let rc = 0n;
    for (let j = 0; j <= 6; j++) if (rcBit(j + 7 * ir)) rc |= 1n << BigInt(2 ** j - 1);
    out.push(rc);
  }
  return out;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const OP = {
  loop: 0x03, brIf: 0x0d, end: 0x0b, get: 0x20, set: 0x21, tee: 0x22, i32const: 0x41, i64const: 0x42,
  i64load: 0x29, i64store: 0x37, i32add: 0x6a, i32ltu: 0x49, and: 0x83, xor: 0x85, rotl: 0x89,
} as const;

/**
 * f(inOff): state ^= the 17 lanes at inOff, then Keccak-f[1600]. With `fresh`, the state is taken
 * as zero instead of loaded (the first block of a message: no 200-byte clear needed).
 * State at STATE, round constants at RC_BASE.
 */
function permutationBody(fresh: boolean): number[] {
  const IN = 0, R = 1, A = 2, B = 27, C = 52, D = 57; // local indices
  const c: number[] = [];
  const get = (i: number) => c.push(OP.get, ...uleb(i));
  const set = (i: number) => c.push(OP.set, ...uleb(i));
  const mem = (op: number, off: number) => c.push(op, 3, ...uleb(off));
  // load state, absorb
  for (let i = 0; i < 25; i++) {
    if (fresh) {
      if (i < RATE / 8) {
        get(IN);
        mem(OP.i64load, 8 * i);
      } else {
        c.push(OP.i64const, 0);
      }
    } else {
      c.push(OP.i32const, 0);
      mem(OP.i64load, STATE + 8 * i);
      if (i < RATE / 8) {
        get(IN);
        mem(OP.i64load, 8 * i);
        c.push(OP.xor);
      }
    }
    set(A + i);
  }
  const rho = rhoOffsets();
  c.push(OP.loop, 0x40);
  // θ
  for (let x = 0; x < 5; x++) {
    get(A + x);
    for (let y = 1; y < 5; y++) {
      get(A + x + 5 * y);
      c.push(OP.xor);
    }
    set(C + x);
  }
  for (let x = 0; x < 5; x++) {
    get(C + ((x + 4) % 5));
    get(C + ((x + 1) % 5));
    c.push(OP.i64const, ...sleb(1), OP.rotl, OP.xor);
    set(D);
    for (let y = 0; y < 5; y++) {
      get(A + x + 5 * y);
      get(D);
      c.push(OP.xor);
      set(A + x + 5 * y);
    }
  }
  // ρ and π: B[y, 2x+3y] = rot(A[x, y], r[x, y])
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      const to = y + 5 * ((2 * x + 3 * y) % 5);
      get(A + x + 5 * y);
      const r = rho[x + 5 * y]!;
      if (r) c.push(OP.i64const, ...sleb(r), OP.rotl);
      set(B + to);
    }
  }
  // χ
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      get(B + ((x + 1) % 5) + 5 * y);
      c.push(OP.i64const, ...sleb(-1), OP.xor);
      get(B + ((x + 2) % 5) + 5 * y);
      c.push(OP.and);
      get(B + x + 5 * y);
      c.push(OP.xor);
      set(A + x + 5 * y);
    }
  }
  // ι
  get(A);
  get(R);
  mem(OP.i64load, RC_BASE);
  c.push(OP.xor);
  set(A);
  // next round
  get(R);
  c.push(OP.i32const, ...sleb(8), OP.i32add, OP.tee, ...uleb(R), OP.i32const, ...sleb(24 * 8), OP.i32ltu, OP.brIf, 0, OP.end);
  // store state
  for (let i = 0; i < 25; i++) {
    c.push(OP.i32const, 0);
    get(A + i);
    mem(OP.i64store, STATE + 8 * i);
  }
  c.push(OP.end);
  const locals = [2, ...uleb(1), 0x7f, ...uleb(56), 0x7e]; // 1 × i32, 56 × i64
  const body = [...locals, ...c];
  return [...uleb(body.length), ...body];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function moduleBytes(): Uint8Array {
  const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'ascii')];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 0]), // type (i32) -> ()
    ...section(3, [2, 0, 0]), // two functions of type 0
    ...section(5, [1, 0x00, ...uleb(PAGES)]), // memory
    ...section(7, [3, ...name('f'), 0x00, 0, ...name('g'), 0x00, 1, ...name('m'), 0x02, 0]), // exports
    ...section(10, [2, ...permutationBody(false), ...permutationBody(true)]), // code
  ]);
}

/** keccak256(data) written to out[off..off+32]; returns `out`. */
export type Keccak256Into = (data: Uint8Array, out: Uint8Array, off: number) => Uint8Array;

/** The slice of the WebAssembly JS API used here (the project's TS lib set has no wasm typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** Builds the wasm Keccak-256 (writing into a caller's buffer), or returns null if WebAssembly is unavailable. */
export function createWasmKeccak256(): Keccak256Into | null {
  const wa = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wa) return null;
  try {
    const inst = new wa.Instance(new wa.Module(moduleBytes()), {});
    const f = inst.exports.f as (inOff: number) => void;
    const g = inst.exports.g as (inOff: number) => void;
    const memory = inst.exports.m as { buffer: ArrayBuffer };
    const u8 = new Uint8Array(memory.buffer);
    const dv = new DataView(memory.buffer);
    roundConstants().forEach((rc, i) => dv.setBigUint64(RC_BASE + 8 * i, rc, true));
    return (data: Uint8Array, out: Uint8Array, outOff: number): Uint8Array => {
      const len = data.length;
      let off = 0;
      let first = true;
      // full blocks, in chunks that fit the input area
      while (len - off >= RATE) {
        const n = Math.min(INPUT_MAX, Math.floor((len - off) / RATE) * RATE);
        u8.set(data.subarray(off, off + n), INPUT);
        for (let p = 0; p < n; p += RATE) {
          if (first) g(INPUT + p);
          else f(INPUT + p);
          first = false;
        }
        off += n;
      }
      // last (partial or empty) block with pad10*1 and the Keccak domain byte 0x01
      const rem = len - off;
      if (rem) u8.set(off === 0 ? data : data.subarray(off, len), INPUT);
      u8.fill(0, INPUT + rem, INPUT + RATE);
      u8[INPUT + rem] = 0x01;
      u8[INPUT + RATE - 1]! |= 0x80;
      if (first) g(INPUT);
      else f(INPUT);
      out.set(u8.subarray(STATE, STATE + 32), outOff);
      return out;
    };
  } catch {
    return null;
  }
}
