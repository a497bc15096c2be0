// The demo's progress display: one line redrawn in place on a terminal, a line every 10% otherwise.
import type { Writable } from 'node:stream';
import { formatRatWei, type Rat } from '../../money/index.js';
import type { JobOutcome } from './jobs.js';

interface Snapshot {
  fees: Rat;
  tickets: { sent: number; ev: Rat };
}

export class Progress {
  private n = 0;
  private failed = 0;
  private lastPrinted = 0;
  private readonly started = performance.now();

  constructor(
    private readonly out: Writable,
    private readonly total: number,
    private readonly tty: boolean,
    private readonly snapshot: () => Snapshot,
  ) {}

  done(o: JobOutcome): void {
    this.n++;
    if (!o.ok) this.failed++;
    const step = Math.max(1, Math.floor(this.total / 10));
    if (this.tty) this.out.write(`\r${this.line()}`);
    else if (this.n - this.lastPrinted >= step || this.n === this.total) {
      this.lastPrinted = this.n;
      this.out.write(`${this.line()}\n`);
    }
  }

  finish(): void {
    if (this.tty) this.out.write('\n');
  }

  private line(): string {
    const s = this.snapshot();
    const secs = (performance.now() - this.started) / 1000;
    const width = 24;
    const filled = Math.round((this.n / this.total) * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    return (
      `  [${bar}] ${String(this.n).padStart(String(this.total).length)}/${this.total} jobs` +
      `${this.failed ? `, ${this.failed} failed` : ''}  ${(this.n / Math.max(secs, 0.001)).toFixed(1)} jobs/s` +
      `  tickets ${s.tickets.sent}  EV sent ${formatRatWei(s.tickets.ev, 6, 'eth')} ETH  fees ${formatRatWei(s.fees, 6, 'eth')} ETH`
    );
  }
}
