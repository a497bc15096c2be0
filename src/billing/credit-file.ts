// The gateway's credit view on disk: one small JSON file per gateway address in its data dir,
// written atomically (temporary file + rename) and at most every `debounceMs`, so a restart resumes
// with the credit the orchestrators still hold for it. (The settlement work brings SQLite later.)
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreditLedger, CreditSnapshotEntry } from './credit.js';

const VERSION = 1;

interface CreditFileJson {
  version: number;
  sender: string;
  entries: CreditSnapshotEntry[];
}

export function creditFilePath(dataDir: string, sender: string): string {
  return join(dataDir, `gateway-credit-${sender.toLowerCase()}.json`);
}

/** Reads the persisted entries; a missing, unreadable or foreign file gives none (credit is then re-bought). */
export function readCreditFile(path: string, sender: string): CreditSnapshotEntry[] {
  let j: CreditFileJson;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as CreditFileJson;
  } catch {
    return [];
  }
  if (j?.version !== VERSION || typeof j.sender !== 'string' || j.sender.toLowerCase() !== sender.toLowerCase() || !Array.isArray(j.entries)) return [];
  return j.entries.filter(
    (e) =>
      e &&
      typeof e.credit === 'string' &&
      /^-?\d+(\/\d+)?$/.test(e.credit) &&
      typeof e.lastUpdate === 'number' &&
      typeof e.key?.recipient === 'string' &&
      typeof e.key.orchestrator === 'string' &&
      typeof e.key.manifest === 'string',
  );
}

export function writeCreditFile(path: string, sender: string, entries: CreditSnapshotEntry[]): void {
  const body: CreditFileJson = { version: VERSION, sender, entries };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Keeps `ledger` persisted in `dataDir`: restores it now, writes it (debounced) on change, and on flush(). */
export class CreditFile {
  readonly path: string;
  #timer: NodeJS.Timeout | undefined;
  #ledger: CreditLedger | undefined;

  constructor(
    dataDir: string,
    private readonly sender: string,
    private readonly opts: { debounceMs?: number; onError?: (err: Error) => void } = {},
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.path = creditFilePath(dataDir, sender);
  }

  attach(ledger: CreditLedger): void {
    this.#ledger = ledger;
    ledger.restore(readCreditFile(this.path, this.sender));
  }

  /** Call on every ledger change. */
  changed(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), this.opts.debounceMs ?? 250);
    this.#timer.unref();
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#ledger) return;
    try {
      writeCreditFile(this.path, this.sender, this.#ledger.snapshot());
    } catch (err) {
      this.opts.onError?.(err as Error);
    }
  }
}
