// What Go's encoding/json does that JSON.stringify does not, for the bytes the signer signs and the
// keys it reads: string escaping (HTML-safe <, >, & and U+2028/9, \b \f since Go 1.22, lowercase
// \u00xx), time.Time as RFC3339Nano (trailing zeros trimmed; the zero time 0001-01-01T00:00:00Z),
// and Go's case-insensitive field matching (simple Unicode folding: ſ ~ s, K (Kelvin) ~ k).

const HEX = '0123456789abcdef';

/** A JS string as Go's json.Marshal writes it (lone surrogates become U+FFFD as Go's invalid UTF-8 does). */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\ufffd';
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd';
      continue;
    }
    switch (c) {
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
      case 0x08: out += '\\b'; continue;
      case 0x0c: out += '\\f'; continue;
      case 0x3c: case 0x3e: case 0x26: case 0x2028: case 0x2029:
        out += `\\u${c.toString(16).padStart(4, '0')}`;
        continue;
    }
    if (c < 0x20) out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else out += s[i];
  }
  return out + '"';
}

const folded = new Map<string, string>();
const FOLDED_MAX = 1024;

/** Go's key folding for struct field matching (ASCII case plus the two non-ASCII folds of s and k). */
export function foldKey(k: string): string {
  // Requests carry the same dozen keys: fold each once (bounded, so invented keys cannot grow it).
  let f = folded.get(k);
  if (f === undefined) {
    f = k.replace(/ſ/g, 's').replace(/\u212a/g, 'k').toLowerCase();
    if (folded.size < FOLDED_MAX && k.length <= 64) folded.set(k, f);
  }
  return f;
}

/**
 * The value of `name` in a decoded JSON object, matched as Go matches struct fields: an exact match
 * wins, else the last key that folds to the same (Go keeps the last of duplicates either way).
 */
export function goField(obj: Record<string, unknown>, name: string): unknown {
  const want = foldKey(name);
  let found: unknown;
  for (const k of Object.keys(obj)) if (foldKey(k) === want) found = obj[k];
  return found;
}

// ---- time.Time ----

const NS_PER_S = 1_000_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): bigint {
  const yy = BigInt(m <= 2 ? y - 1 : y);
  const era = (yy >= 0n ? yy : yy - 399n) / 400n;
  const yoe = yy - era * 400n;
  const mp = BigInt((m + 9) % 12);
  const doy = (153n * mp + 2n) / 5n + BigInt(d - 1);
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

function civilFromDays(z0: bigint): [number, number, number] {
  const z = z0 + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const y = yoe + era * 400n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  return [Number(m <= 2n ? y + 1n : y), Number(m), Number(d)];
}

/** ns since the Unix epoch of Go's zero time.Time (0001-01-01T00:00:00Z). */
export const GO_ZERO_TIME_NS = daysFromCivil(1, 1, 1) * 86_400n * NS_PER_S;
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/** RFC3339 (as Go's time.Time UnmarshalJSON takes it) → ns since the epoch; undefined when malformed. */
export function parseGoTime(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return undefined;
  const [cy, cm, cd] = civilFromDays(daysFromCivil(y, mo, d));
  if (cy !== y || cm !== mo || cd !== d) return undefined; // e.g. Feb 30
  let offset = 0n;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = BigInt((oh * 60 + om) * 60) * (m[9] === '-' ? -1n : 1n);
  }
  const frac = m[7] === undefined ? 0n : BigInt(m[7].padEnd(9, '0'));
  const secs = daysFromCivil(y, mo, d) * 86_400n + BigInt(h * 3600 + mi * 60 + se) - offset;
  return secs * NS_PER_S + frac;
}

/** ns since the epoch → RFC3339Nano in UTC, as Go marshals a UTC time. */
export function formatGoTime(ns: bigint): string {
  let secs = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    secs -= 1n;
  }
  let days = secs / 86_400n;
  let rem = secs % 86_400n;
  if (rem < 0n) {
    rem += 86_400n;
    days -= 1n;
  }
  const [y, m, d] = civilFromDays(days);
  const p2 = (n: number | bigint) => n.toString().padStart(2, '0');
  const hms = `${p2(rem / 3600n)}:${p2((rem % 3600n) / 60n)}:${p2(rem % 60n)}`;
  const f = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${y.toString().padStart(4, '0')}-${p2(m)}-${p2(d)}T${hms}${f}Z`;
}
