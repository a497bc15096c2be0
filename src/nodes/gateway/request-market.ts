// What a client request says about its orchestrator: go-livepeer PR #3634's include/exclude list
// (BYOC's `parameters` JSON {"orchestrators": {"include": [...], "exclude": [...]}}), which AI routes
// take in the Livepeer-Parameters header since their bodies are the runner's, and a stickiness key.
import type { IncomingHttpHeaders } from 'node:http';
import { BadRequestError } from './errors.js';
import type { OrchestratorFilter } from './market.js';

export const PARAMETERS_HEADER = 'livepeer-parameters';
/** A client's stream or session: its jobs stay on one orchestrator while it qualifies and does not fail. */
export const SESSION_HEADER = 'livepeer-session';
/** Entries read from one list; more is a client error. */
const MAX_FILTER_ENTRIES = 100;

function list(v: unknown, name: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new BadRequestError(`${PARAMETERS_HEADER}: orchestrators.${name} must be a list of service URIs`);
  if (v.length > MAX_FILTER_ENTRIES) throw new BadRequestError(`${PARAMETERS_HEADER}: orchestrators.${name} has ${v.length} entries, above ${MAX_FILTER_ENTRIES}`);
  return v as string[];
}

export function requestMarket(headers: IncomingHttpHeaders): { filter?: OrchestratorFilter; sessionKey?: string } {
  const out: { filter?: OrchestratorFilter; sessionKey?: string } = {};
  const raw = headers[PARAMETERS_HEADER];
  if (typeof raw === 'string' && raw.trim() !== '') {
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch {
      throw new BadRequestError(`${PARAMETERS_HEADER} is not JSON: expected {"orchestrators":{"include":[…],"exclude":[…]}}`);
    }
    const o = doc && typeof doc === 'object' ? (doc as { orchestrators?: unknown }).orchestrators : undefined;
    if (o !== undefined && (o === null || typeof o !== 'object')) throw new BadRequestError(`${PARAMETERS_HEADER}: "orchestrators" must be an object`);
    if (o) {
      const include = list((o as Record<string, unknown>).include, 'include');
      const exclude = list((o as Record<string, unknown>).exclude, 'exclude');
      if (include || exclude) out.filter = { ...(include ? { include } : {}), ...(exclude ? { exclude } : {}) };
    }
  }
  const key = headers[SESSION_HEADER];
  if (typeof key === 'string' && key !== '') {
    if (key.length > 256) throw new BadRequestError(`${SESSION_HEADER} is longer than 256 characters`);
    out.sessionKey = key;
  }
  return out;
}
