// pm's GasPriceSource over eth_gasPrice: go-livepeer GasPriceMonitor = max(polled, minGasPrice),
// capped by maxGasPrice when set. Refreshed on every new block the watcher sees (one read in flight).
import type { PublicClient } from 'viem';
import type { GasPriceSource } from '../pm/index.js';
import type { ChainWatcher } from './chainView.js';

export interface ChainGasPriceOptions {
  publicClient: PublicClient;
  watcher?: ChainWatcher;
  /** Floor in wei (default 0). */
  minGasPrice?: bigint;
  /** Cap in wei (default none). */
  maxGasPrice?: bigint;
  onError?: (err: Error) => void;
}

export class ChainGasPrice implements GasPriceSource {
  private polled = 0n;
  private inflight: Promise<void> | undefined;
  private readonly unsubscribe: (() => void) | undefined;
  private constructor(private readonly opts: ChainGasPriceOptions) {
    this.unsubscribe = opts.watcher?.onBlock(() => void this.refresh().catch((e: unknown) => opts.onError?.(e as Error)));
  }
  /** Reads the gas price once (throws when the RPC fails), then follows the watcher's blocks. */
  static async start(opts: ChainGasPriceOptions): Promise<ChainGasPrice> {
    const g = new ChainGasPrice(opts);
    await g.refresh();
    return g;
  }
  gasPrice(): bigint {
    let p = this.polled;
    const min = this.opts.minGasPrice ?? 0n;
    if (p < min) p = min;
    const max = this.opts.maxGasPrice;
    if (max !== undefined && max > 0n && p > max) p = max;
    return p;
  }
  refresh(): Promise<void> {
    this.inflight ??= this.opts.publicClient
      .getGasPrice()
      .then((p) => {
        this.polled = p;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
  close(): void {
    this.unsubscribe?.();
  }
}
