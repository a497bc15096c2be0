// Tiny helpers for single-threaded benchmarks: wall-clock timing and medians.
export function median(xs: readonly number[]): number {
  if (!xs.length) throw new RangeError('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Rate {
  /** ops per second of this process's CPU time (user + system): per-core throughput, robust to a busy box. */
  cpu: number;
  /** ops per second of wall-clock time. */
  wall: number;
}

/** Runs fn once and returns operations per second for `ops` operations. */
export async function rate(ops: number, fn: () => unknown): Promise<Rate> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const ns = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  const cpuUs = Math.max(1, c.user + c.system);
  return { cpu: (ops * 1e6) / cpuUs, wall: (ops * 1e9) / ns };
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
