// Helpers of run.ts: the client connection's lifetime, the orchestrator's error text, and the
// client's error messages.
import type { ServerResponse } from 'node:http';
import { LazyAbort } from '../common/index.js';
import { SenderFundsError } from './errors.js';
import type { MarketView } from './market.js';

/** Aborts once the client's connection closes before its answer was written out (a LazyAbort: one per job). */
export function clientGone(res: ServerResponse): { signal: LazyAbort; dispose(): void } {
  const ac = new LazyAbort();
  const onClose = (): void => {
    if (!res.writableEnded) ac.abort();
  };
  if (res.destroyed) ac.abort();
  else res.once('close', onClose);
  return { signal: ac, dispose: () => res.off('close', onClose) };
}

/** Resolves when `w` can take more (drain), or will never again (closed): a gone client sends no 'drain'. */
export function writable(w: ServerResponse): Promise<void> {
  if (w.destroyed || w.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.once('drain', done);
    w.once('close', done);
  });
}

/** After the failures: why the orchestrators left untried were not candidates (the first few). */
export function notTried(view: MarketView | undefined): string {
  const rejected = view?.evaluation.rejected ?? [];
  if (rejected.length === 0) return '';
  const shown = rejected.slice(0, 8).map((r) => `${r.candidate.key}: ${r.reason} (${r.detail})`);
  return `; not tried: ${shown.join('; ')}${rejected.length > shown.length ? `; and ${rejected.length - shown.length} more` : ''}`;
}

/** 402 for the client: what fell short, where, and what to top up. */
export function senderFundsError(reason: string, details: readonly string[]): SenderFundsError {
  return new SenderFundsError(
    reason,
    `this gateway's TicketBroker funds do not cover the tickets (${reason}): ${details.join('; ')}. ` +
      'The deposit pays winning tickets and the reserve guarantees them (each active orchestrator may claim its share of it per round): ' +
      'top up the deposit (livepeer-ts chain fund-deposit) or the reserve (livepeer-ts chain fund-reserve)',
  );
}

/** The orchestrator's error text: plain text (go-livepeer) or a JSON error shape. */
export function errorMessage(text: string): string {
  if (!text.startsWith('{')) return text.slice(0, 2000);
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: { msg?: unknown } | unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof j.error.message === 'string') return j.error.message;
    if (j.detail && typeof (j.detail as { msg?: unknown }).msg === 'string') return (j.detail as { msg: string }).msg;
    if (typeof j.message === 'string') return j.message;
  } catch {
    /* not JSON after all */
  }
  return text.slice(0, 2000);
}

