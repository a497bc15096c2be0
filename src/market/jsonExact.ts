// JSON.parse turns every number into a float, which would silently round a price such as
// 0.1000000000000000055 or 12345678901234567890. aiModels.json prices must stay exact, so this
// parser keeps each JSON number as its source text (a `JsonNumber`); the schema then decides
// whether a field is a price (exact ratio) or a count (safe integer).

export class JsonNumber {
  constructor(readonly text: string) {}
  toNumber(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}

const MARK = '\u0000num';
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** JSON.parse, except numbers become `JsonNumber` holding their exact source text. */
export function parseJsonKeepingNumbers(text: string): unknown {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      // copy a whole string literal, honouring escapes
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m && m[0].length > 0) {
        out += `{"\\u0000num":"${m[0]}"}`;
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return JSON.parse(out, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === MARK) {
        return new JsonNumber((value as Record<string, string>)[MARK]!);
      }
    }
    return value;
  });
}
