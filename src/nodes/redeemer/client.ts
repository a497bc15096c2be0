// The orchestrator's side of -redeemerAddr (go-livepeer's RedeemerClient): its WinningTicketSink
// is QueueTicket on the redeemer, its MaxFloatSource the redeemer's MaxFloat and MonitorMaxFloat.
//
// QueueTicket is awaited before the payment is acknowledged (go-livepeer queues in a goroutine
// after acknowledging, so a redeemer that is down loses the ticket with a log line). A failure is
// a RedeemerError (REDEEMER_UNAVAILABLE: retriable; REDEEMER_REFUSED: not), on which the Recipient
// refuses the payment (pm TICKET_NOT_QUEUED → 503 REDEMPTION_UNAVAILABLE): no ticket is lost
// silently, the gateway takes its job elsewhere.
//
// Max float, as go-livepeer: the first ask for a sender is a unary MaxFloat, then a MonitorMaxFloat
// stream keeps the cached value current; the cache entry lives while its stream does (a stream
// error drops it: the next ask starts over) and goes after 5 min without an ask. The entries are
// also bounded in number (least recently asked first out, its stream cancelled).
import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from 'pino';
import type { Address } from 'viem';
import type { MaxFloatSource, WinningTicket, WinningTicketSink } from '../../pm/index.js';
import {
  GRPC_CALL_TIMEOUT_MS,
  createRedeemerClient,
  maxFloatReqToWire,
  maxFloatUpdateFromWire,
  refusalFromConnectError,
  winningTicketToWire,
  type RedeemerClient,
} from '../../wire/index.js';
import { RedeemerError } from './errors.js';

export interface RemoteRedeemerOptions {
  /** -redeemerAddr: host:port of the redeemer (TLS). */
  addr: string;
  /** The redeemer's shared secret (-redeemerSecret), sent as a bearer token on every call. */
  secret?: string;
  /** Per unary call, ms (default 8000, go-livepeer GRPCTimeout). */
  callTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Senders whose max float is followed at once (default 4096). */
  maxSenders?: number;
  /** A sender not asked about for this long is dropped and its stream closed (default 5 min, go-livepeer cleanupLoopTime). */
  idleMs?: number;
  log?: Logger;
  /** A new max float arrived for `sender` (e.g. after a redemption): callers may drop what they cache about it. */
  onUpdate?: (sender: Address) => void;
}

interface Entry {
  sender: Address;
  value?: bigint;
  loading?: Promise<bigint>;
  stream?: AbortController;
  lastAccess: number;
}

/** Status codes after which the same call cannot succeed (the redeemer said no, not "not now"). */
const REFUSED: ReadonlySet<Code> = new Set([Code.PermissionDenied, Code.InvalidArgument, Code.FailedPrecondition, Code.Unimplemented, Code.Unauthenticated]);

export function redeemerCallError(what: string, addr: string, err: unknown): RedeemerError {
  const ce = ConnectError.from(err);
  const remote = refusalFromConnectError(ce).code;
  const refused = REFUSED.has(ce.code);
  return new RedeemerError(
    refused ? 'REDEEMER_REFUSED' : 'REDEEMER_UNAVAILABLE',
    `${what} at the redeemer ${addr} failed (${Code[ce.code]}${remote ? ` ${remote}` : ''}): ${ce.rawMessage}`,
    { grpcCode: ce.code, cause: err },
  );
}

export class RemoteRedeemer implements WinningTicketSink, MaxFloatSource {
  readonly addr: string;
  private readonly rpc: RedeemerClient;
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly maxSenders: number;
  private readonly idleMs: number;
  private closed = false;
  private readonly auth: Record<string, string>;
  private queued = 0;
  private failed = 0;

  constructor(private readonly opts: RemoteRedeemerOptions) {
    this.addr = opts.addr;
    this.auth = opts.secret === undefined ? {} : { authorization: `Bearer ${opts.secret}` };
    this.maxSenders = opts.maxSenders ?? 4096;
    this.idleMs = opts.idleMs ?? 5 * 60_000;
    // Pings notice a redeemer that vanished without closing the connection (its streams then fail).
    this.rpc = createRedeemerClient(opts.addr, {
      callTimeoutMs: opts.callTimeoutMs ?? GRPC_CALL_TIMEOUT_MS,
      ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
      pingIntervalMs: 10_000,
    });
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, this.idleMs));
    this.sweeper.unref();
  }

  async onWinningTicket(t: WinningTicket): Promise<void> {
    if (this.closed) throw new RedeemerError('REDEEMER_UNAVAILABLE', 'the redeemer client is closed (the orchestrator is shutting down)');
    try {
      await this.rpc.queueTicket(winningTicketToWire(t), { headers: this.auth });
      this.queued++;
    } catch (err) {
      this.failed++;
      const e = redeemerCallError('QueueTicket', this.addr, err);
      // A refusal is a misconfiguration (e.g. -ethOrchAddr differs from the redeemer's): loud.
      if (e.code === 'REDEEMER_REFUSED') this.opts.log?.error({ err: e.message }, 'the redeemer refused a winning ticket');
      else this.opts.log?.warn({ err: e.message }, 'winning ticket not queued: the redeemer is unreachable');
      throw e;
    }
  }

  maxFloat(sender: Address): bigint | Promise<bigint> {
    const key = sender.toLowerCase();
    const e = this.entries.get(key);
    if (e) {
      e.lastAccess = Date.now();
      // Least recently asked first out: re-insert to move it to the end.
      this.entries.delete(key);
      this.entries.set(key, e);
      if (e.value !== undefined) return e.value;
      if (e.loading) return e.loading;
    }
    return this.load(sender, key);
  }

  stats(): { queued: number; failed: number; senders: number } {
    return { queued: this.queued, failed: this.failed, senders: this.entries.size };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const e of this.entries.values()) e.stream?.abort();
    this.entries.clear();
    this.rpc.close();
  }

  private load(sender: Address, key: string): Promise<bigint> {
    if (this.closed) return Promise.reject(new RedeemerError('REDEEMER_UNAVAILABLE', 'the redeemer client is closed'));
    const entry: Entry = { sender, lastAccess: Date.now() };
    this.entries.set(key, entry);
    this.evictOverflow();
    entry.loading = (async () => {
      let v: bigint;
      try {
        v = maxFloatUpdateFromWire(await this.rpc.maxFloat(maxFloatReqToWire(sender), { headers: this.auth }));
      } catch (err) {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw err instanceof RedeemerError ? err : redeemerCallError('MaxFloat', this.addr, err);
      } finally {
        entry.loading = undefined;
      }
      // Cached only while a stream keeps it current (go-livepeer: a failed subscribe is not cached).
      if (this.entries.get(key) === entry && !this.closed) {
        entry.value = v;
        this.follow(key, entry);
      }
      return v;
    })();
    return entry.loading;
  }

  private follow(key: string, entry: Entry): void {
    const ac = new AbortController();
    entry.stream = ac;
    void (async () => {
      try {
        for await (const u of this.rpc.monitorMaxFloat(maxFloatReqToWire(entry.sender), { signal: ac.signal, timeoutMs: 0, headers: this.auth })) {
          if (this.entries.get(key) !== entry) break;
          entry.value = maxFloatUpdateFromWire(u);
          this.opts.onUpdate?.(entry.sender);
        }
      } catch (err) {
        if (!ac.signal.aborted) this.opts.log?.warn({ sender: entry.sender, err: (err as Error).message }, 'max float stream from the redeemer ended');
      } finally {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        ac.abort();
      }
    })();
  }

  private evictOverflow(): void {
    while (this.entries.size > this.maxSenders) {
      const [k, e] = this.entries.entries().next().value!;
      this.entries.delete(k);
      e.stream?.abort();
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [k, e] of this.entries) {
      if (e.lastAccess >= cutoff || e.loading) continue;
      this.entries.delete(k);
      e.stream?.abort();
    }
  }
}
