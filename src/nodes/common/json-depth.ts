// A nesting-depth bound on JSON request bodies, checked by a linear scan before JSON.parse builds
// anything, so a hostile body cannot make the parser, validators or re-serializers recurse deeply
// (a 5k-deep array answered 500, at the orchestrator after its payment was credited). The AI
// worker API's deepest body is an llm message's content part (body → messages → [i] → content →
// [j] → image_url → url: 6 levels); 64 leaves room for any runner-specific extras.
import type { FastifyInstance } from 'fastify';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const DEFAULT_MAX_JSON_DEPTH = 64;

export const jsonDepthErrorCodes = defineErrorCodes('src/nodes/common (JSON bodies)', {
  JSON_TOO_DEEP: 'A JSON request body nests arrays/objects deeper than the limit (64): 400, refused before parsing and before any payment.',
});

/** A JSON body nested deeper than the limit: 400 (fastify reads `statusCode`). */
export class JsonTooDeepError extends LivepeerError<CodeOf<typeof jsonDepthErrorCodes>> {
  override name = 'JsonTooDeepError';
  readonly statusCode = 400;
  constructor(readonly maxDepth: number) {
    super('JSON_TOO_DEEP', `JSON body is nested more than ${maxDepth} levels deep`, { status: 400 });
  }
}

/**
 * At most `n` of `{` and `[` in all of `text` (inside strings too): nothing can nest deeper than `n`.
 * Two native indexOf scans, stopped at the (n+1)th opener: most job bodies (a prompt, a short
 * conversation) have a handful, so the character-by-character scan below (3.8% of a gateway's
 * profile per job) runs only on bodies where it can matter.
 */
function fewOpeners(text: string, n: number): boolean {
  let count = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++count > n) return false;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++count > n) return false;
  return true;
}

/** True when `text` opens more than `maxDepth` nested arrays/objects (brackets inside strings do not count). */
export function jsonDeeperThan(text: string, maxDepth: number): boolean {
  if (fewOpeners(text, maxDepth)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: jump to its closing quote, the next one after an even run of backslashes (most of
      // a signer or AI body is base64 inside strings, which indexOf skips far faster than a loop).
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return false; // unterminated: JSON.parse refuses it
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c) k--; // stops at the opening quote at the latest
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Replaces the app's application/json parser with fastify's own, behind the depth check. */
export function limitJsonDepth(app: FastifyInstance, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDeeperThan(text, maxDepth)) {
      done(new JsonTooDeepError(maxDepth), undefined);
      return;
    }
    parse(req, text, done);
  });
}
