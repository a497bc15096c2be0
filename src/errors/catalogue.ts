// Each folder declares its error codes once, in a catalogue: the code union is derived from it (so
// no code can be thrown without being listed) and scripts/gen-error-codes.ts renders every
// catalogue into docs/error-codes.md.

const BRAND: unique symbol = Symbol.for('livepeer-ts.errorCatalogue');

export interface ErrorCatalogue<C extends string> {
  readonly [BRAND]: true;
  /** The folder (or node) whose errors these are, e.g. "src/money". */
  readonly scope: string;
  /** code → what it means and what to do. */
  readonly codes: { readonly [K in C]: string };
  /** Codes built from another folder's codes, e.g. "PM_<pm code>", with what they mean. */
  readonly families: Readonly<Record<string, string>>;
}

export type CodeOf<T> = T extends ErrorCatalogue<infer C> ? C : never;

export function defineErrorCodes<C extends string>(
  scope: string,
  codes: { readonly [K in C]: string },
  families: Record<string, string> = {},
): ErrorCatalogue<C> {
  return Object.freeze({ [BRAND]: true as const, scope, codes: Object.freeze({ ...codes }), families: Object.freeze({ ...families }) });
}

export function isErrorCatalogue(v: unknown): v is ErrorCatalogue<string> {
  return typeof v === 'object' && v !== null && (v as { [BRAND]?: unknown })[BRAND] === true;
}
