// Orchestrator side (go-livepeer pm/recipient.go + core ProcessPayment, pm.md §4.2, §6): issues
// ticket params, receives tickets, credits EV only for valid tickets, hands winners to a sink.
import type { Address } from 'viem';
import { Rat, validatePriceInfo } from '../money/index.js';
import type { PriceInfo } from '../money/index.js';
import { bytesToBigInt, bytesToHex, toChecksumAddress } from './bytes.js';
import type { SenderInfo } from './deps.js';
import { isPromise, unlockingSoon } from './deps.js';
import { PmError, ticketParamsExpired } from './errors.js';
import { keccak256 } from './keccak.js';
import { NonceTracker, type NonceSnapshotEntry } from './nonces.js';
import { DEFAULT_TICKET_PARAMS_CONFIG, EV_MULTIPLIER, PARAMS_EXPIRATION_BLOCKS, computeFaceValue, computeWinProb, txCost, txCostMultiplierOf } from './params.js';
import { MAX_BOOT_ID, newRecipientSecret, newSeed, recipientRandBytes, seedBoot } from './recipientRand.js';
import type { RandInputs } from './recipientRand.js';
import type { Hex32, Ticket, TicketBatch, TicketExpirationParams, TicketParams } from './ticket.js';
import { batchTickets } from './ticket.js';
import { TicketChecker } from './validator.js';
import { ticketEV } from './win.js';

export type { RecipientConfig, RecipientState, ReceiveResult, PaymentResult } from './recipientTypes.js';
import type { RecipientConfig, RecipientState, ReceiveResult, PaymentResult } from './recipientTypes.js';

interface RandCacheEntry {
  sender: string;
  faceValue: bigint;
  winProb: bigint;
  expirationBlock: bigint;
  priceNum: bigint;
  priceDen: bigint;
  creationRound: bigint;
  blockHash: string;
  rand32: Uint8Array;
  randHash: Uint8Array;
  randHashHex: string;
  /** The ticket EV for these params (exact; cached because reducing it costs a big gcd). */
  ev: Rat;
  /** Packed preimage of a ticket with these params, for tickets that differ only by nonce. */
  template?: { recipient: string; recipientRandHash: string; bytes: Uint8Array };
}

function safeEV(t: Ticket): Rat {
  try {
    return ticketEV(t.faceValue, t.winProb);
  } catch {
    return Rat.ZERO;
  }
}

const RAND_CACHE_MAX = 4096;

export class Recipient {
  readonly address: Address;
  private readonly secret: Uint8Array;
  private readonly checker: TicketChecker;
  private readonly nonces = new NonceTracker();
  /** seed → HMAC result. Pure memoisation: an entry is used only when every HMAC input matches. */
  private readonly randCache = new Map<bigint, RandCacheEntry>();
  private readonly acceptedBoots: ReadonlySet<bigint> | undefined;
  private maxExpirationIssued = 0n;

  constructor(private readonly cfg: RecipientConfig) {
    this.address = toChecksumAddress(cfg.address);
    this.secret = cfg.secret ? Uint8Array.from(cfg.secret) : newRecipientSecret();
    if (this.secret.length !== 32) throw new RangeError('recipient secret must be 32 bytes');
    this.checker = new TicketChecker(this.address);
    const b = cfg.boot;
    if (b) {
      for (const id of [b.id, ...(b.resumed ?? [])]) if (id < 1n || id > MAX_BOOT_ID) throw new RangeError(`boot id must be in [1, 2^64), got ${id}`);
      this.acceptedBoots = new Set([b.id, ...(b.resumed ?? [])]);
    }
  }

  /** The configured target EV per ticket. */
  ev(): Rat {
    return Rat.from((this.cfg.params ?? DEFAULT_TICKET_PARAMS_CONFIG).ev);
  }

  /** Fresh params for `sender` at `price` (new seed every call). */
  async ticketParams(sender: Address, price: PriceInfo): Promise<TicketParams> {
    validatePriceInfo(price);
    const cfg = this.cfg.params ?? DEFAULT_TICKET_PARAMS_CONFIG;
    let faceValue = 0n;
    // A zero price means free params: no face value, no lottery (go-livepeer).
    if (price.pricePerUnit > 0n) {
      if (!this.cfg.maxFloat) throw new RangeError('Recipient needs a maxFloat source to issue priced ticket params');
      const mf = this.cfg.maxFloat.maxFloat(sender);
      const maxFloat = isPromise(mf) ? await mf : mf;
      faceValue = computeFaceValue(cfg, this.cfg.gasPrice?.gasPrice() ?? 0n, maxFloat);
    }
    const winProb = computeWinProb(faceValue, cfg.ev);
    const expirationBlock = this.cfg.chain.lastSeenL1Block() + PARAMS_EXPIRATION_BLOCKS;
    const expirationParams = this.currentExpirationParams();
    const seed = newSeed(this.cfg.boot?.id);
    if (expirationBlock > this.maxExpirationIssued) this.maxExpirationIssued = expirationBlock;
    const rand32 = recipientRandBytes(this.secret, { seed, sender, faceValue, winProb, expirationBlock, price, expirationParams });
    return {
      recipient: this.address,
      faceValue,
      winProb,
      recipientRandHash: bytesToHex(keccak256(rand32)),
      seed,
      expirationBlock,
      price,
      expirationParams,
    };
  }

  /**
   * go-livepeer's Recipient.TxCostMultiplier(sender): the face value this sender would get now
   * (after its max float and -maxFaceValue caps) over the redemption tx cost. null when the tx cost
   * is 0 (no gas price yet): go-livepeer returns 0 then and leaves the price unadjusted. Throws what
   * the face value throws (e.g. INSUFFICIENT_SENDER_RESERVE), as go-livepeer fails GetOrchestrator.
   */
  async txCostMultiplier(sender: Address): Promise<Rat | null> {
    const cfg = this.cfg.params ?? DEFAULT_TICKET_PARAMS_CONFIG;
    if (!this.cfg.maxFloat) throw new RangeError('Recipient needs a maxFloat source to compute the tx cost multiplier');
    const mf = this.cfg.maxFloat.maxFloat(sender);
    const maxFloat = isPromise(mf) ? await mf : mf;
    const gasPrice = this.cfg.gasPrice?.gasPrice() ?? 0n;
    return txCostMultiplierOf(cfg, computeFaceValue(cfg, gasPrice, maxFloat), gasPrice);
  }

  /**
   * txCostMultiplier without a sender's max-float cap (only -maxFaceValue caps the face value);
   * null when the tx cost is 0 or no face value can be issued at all.
   */
  uncappedTxCostMultiplier(): Rat | null {
    const cfg = this.cfg.params ?? DEFAULT_TICKET_PARAMS_CONFIG;
    const gasPrice = this.cfg.gasPrice?.gasPrice() ?? 0n;
    const cost = txCost(cfg, gasPrice);
    try {
      // A max float above any possible face value leaves the face value uncapped by it.
      return txCostMultiplierOf(cfg, computeFaceValue(cfg, gasPrice, cost * cfg.txCostMultiplier + cfg.ev * EV_MULTIPLIER + 1n), gasPrice);
    } catch {
      return null;
    }
  }

  /** Last initialized round and its block hash; backdates one round when that hash is zero (Arbitrum). */
  private currentExpirationParams(): TicketExpirationParams {
    const c = this.cfg.chain;
    const round = c.lastInitializedRound();
    const hash = c.lastInitializedL1BlockHash();
    if (/^0x0{64}$/.test(hash) && c.preLastInitializedL1BlockHash && round > 0n) {
      return { creationRound: round - 1n, creationRoundBlockHash: c.preLastInitializedL1BlockHash() };
    }
    return { creationRound: round, creationRoundBlockHash: hash };
  }

  private rand(ticket: Ticket, seed: bigint): RandCacheEntry {
    const e = this.randCache.get(seed);
    if (
      e &&
      e.sender === ticket.sender &&
      e.faceValue === ticket.faceValue &&
      e.winProb === ticket.winProb &&
      e.expirationBlock === ticket.paramsExpirationBlock &&
      e.priceNum === ticket.price.pricePerUnit &&
      e.priceDen === ticket.price.pixelsPerUnit &&
      e.creationRound === ticket.creationRound &&
      e.blockHash === ticket.creationRoundBlockHash
    ) {
      return e;
    }
    const inputs: RandInputs = {
      seed,
      sender: ticket.sender,
      faceValue: ticket.faceValue,
      winProb: ticket.winProb,
      expirationBlock: ticket.paramsExpirationBlock,
      price: ticket.price,
      expirationParams: ticket,
    };
    const rand32 = recipientRandBytes(this.secret, inputs);
    const randHash = keccak256(rand32);
    const entry: RandCacheEntry = {
      sender: ticket.sender,
      faceValue: ticket.faceValue,
      winProb: ticket.winProb,
      expirationBlock: ticket.paramsExpirationBlock,
      priceNum: ticket.price.pricePerUnit,
      priceDen: ticket.price.pixelsPerUnit,
      creationRound: ticket.creationRound,
      blockHash: ticket.creationRoundBlockHash,
      rand32,
      randHash,
      randHashHex: bytesToHex(randHash),
      ev: ticketEV(ticket.faceValue, ticket.winProb),
    };
    if (this.randCache.size >= RAND_CACHE_MAX) this.randCache.clear();
    this.randCache.set(seed, entry);
    return entry;
  }

  /** Packs the ticket, reusing the entry's template when only the nonce differs. */
  private pack(ticket: Ticket, rand: RandCacheEntry): number {
    const t = rand.template;
    if (t && t.recipient === ticket.recipient && t.recipientRandHash === ticket.recipientRandHash) {
      return this.checker.packWithNonce(t.bytes, ticket.senderNonce);
    }
    const n = this.checker.pack(ticket);
    rand.template = { recipient: ticket.recipient, recipientRandHash: ticket.recipientRandHash, bytes: this.checker.snapshot(n) };
    return n;
  }

  private senderError(ticket: Ticket, info: SenderInfo | Error): PmError | null {
    if (info instanceof Error) {
      return new PmError('SENDER_INFO_UNAVAILABLE', `could not get sender info for ${ticket.sender}: ${info.message}`, true, { cause: info });
    }
    if (unlockingSoon(info, this.cfg.chain.lastInitializedRound())) {
      return new PmError('SENDER_UNLOCK_SOON', `deposit and reserve for sender ${ticket.sender} is set to unlock soon: refusing its tickets`, true);
    }
    return null;
  }

  /**
   * go-livepeer ReceiveTicket: sender check (fatal), ticket validation (fatal except a bad
   * signature), lottery, nonce (non-fatal), params expiry (non-fatal: still checked for a win,
   * never credited). Winners go to the sink, awaited, unless the nonce was a replay.
   */
  async receiveTicket(ticket: Ticket, sig: Uint8Array, seed: bigint): Promise<ReceiveResult> {
    if (this.acceptedBoots && !this.acceptedBoots.has(seedBoot(seed))) {
      // Fatal: every ticket of the payment shares these params. Worded as go-livepeer's
      // ErrTicketParamsExpired, on which gateways (go-livepeer's and ours) refresh the session and
      // retry this orchestrator; go-livepeer's own restart gives an invalid recipientRand, on which
      // they move to another orchestrator.
      const error = new PmError(
        'TICKET_PARAMS_UNKNOWN_BOOT',
        'TicketParams expired: issued before this orchestrator restarted without saving its ticket nonce memory (or by an older run): fetch fresh params from the orchestrator (GetOrchestrator)',
        true,
      );
      return { won: false, ev: safeEV(ticket), credited: false, error };
    }
    let rand: RandCacheEntry;
    try {
      rand = this.rand(ticket, seed);
    } catch (err) {
      const error = err instanceof PmError ? err : new PmError('INVALID_TICKET', `malformed ticket: ${(err as Error).message}`, true, { cause: err });
      return { won: false, ev: safeEV(ticket), credited: false, error };
    }
    let info: SenderInfo | Error;
    try {
      const r = this.cfg.senders.getSenderInfo(ticket.sender);
      info = isPromise(r) ? await r : r;
    } catch (err) {
      info = err instanceof Error ? err : new Error(String(err));
    }
    let res: ReceiveResult;
    try {
      res = this.receiveSync(ticket, sig, rand, info);
    } catch (err) {
      if (err instanceof PmError) return { won: false, ev: rand.ev, credited: false, error: err };
      throw err;
    }
    if (res.won && this.cfg.sink && res.error?.code !== 'NONCE_ALREADY_SEEN') {
      try {
        const done = this.cfg.sink.onWinningTicket({
          ticket,
          sig,
          recipientRand: bytesToBigInt(rand.rand32),
          sessionId: res.sessionId!,
        });
        if (isPromise(done)) await done;
      } catch (err) {
        // The winner is not safe anywhere: refuse the payment (fatal) rather than acknowledge it.
        const why = err instanceof Error ? err.message : String(err);
        const error = new PmError('TICKET_NOT_QUEUED', `winning ticket not queued for redemption (${why}): payment refused, retry`, true, { cause: err });
        return { ...res, credited: false, error };
      }
    }
    return res;
  }

  private receiveSync(ticket: Ticket, sig: Uint8Array, rand: RandCacheEntry, info: SenderInfo | Error): ReceiveResult {
    const ev = rand.ev;
    // Checked in the same synchronous step as the nonce record: nothing is received after seal().
    if (this.nonces.isSealed) return { won: false, ev, credited: false, error: new PmError('RECIPIENT_CLOSED', 'the orchestrator is shutting down and takes no more tickets', true) };
    const senderErr = this.senderError(ticket, info);
    if (senderErr) return { won: false, ev, credited: false, error: senderErr };
    const c = this.checker.checkPacked(this.pack(ticket, rand), sig, rand.rand32, rand.randHash);
    if (c.error) return { won: false, ev, credited: false, error: c.error };
    const sessionId = c.won ? (rand.randHashHex as Hex32) : undefined;
    const nonceErr = this.nonces.record(rand.randHashHex, ticket.senderNonce, ticket.paramsExpirationBlock, ticket.sender);
    if (nonceErr) return { won: c.won, sessionId, ev, credited: false, error: nonceErr };
    const latest = this.cfg.chain.lastSeenL1Block();
    if (ticket.paramsExpirationBlock <= latest) {
      return {
        won: c.won,
        sessionId,
        ev,
        credited: false,
        error: ticketParamsExpired(` (paramsExpirationBlock ${ticket.paramsExpirationBlock} ≤ last seen L1 block ${latest})`),
      };
    }
    return { won: c.won, sessionId, ev, credited: true };
  }

  /**
   * go-livepeer ProcessPayment's rule: a fatal error aborts the whole payment; after any error, no
   * later ticket in the payment is credited (winners are still handed to the sink).
   */
  async processPayment(batch: TicketBatch): Promise<PaymentResult> {
    let creditedCount = 0n;
    let winners = 0;
    let firstError: PmError | undefined;
    const tickets: ReceiveResult[] = [];
    // Every ticket of a batch shares faceValue and winProb, hence one EV: credit ev × count.
    const total = (): Rat => (creditedCount === 0n ? Rat.ZERO : tickets[0]!.ev.mul(creditedCount));
    for (const { ticket, sig } of batchTickets(batch)) {
      const r = await this.receiveTicket(ticket, sig, batch.params.seed);
      tickets.push(r);
      if (r.won) winners++;
      if (r.error) {
        firstError ??= r.error;
        if (r.error.fatal) return { credited: total(), tickets, winners, error: r.error, aborted: true };
      }
      if (!firstError && r.credited) creditedCount++;
      else if (r.credited) r.credited = false;
    }
    return { credited: total(), tickets, winners, error: firstError, aborted: false };
  }

  /** Forgets nonce memory (and cached HMAC results) for params expired at `latestBlock`. */
  /** Map sizes (params with remembered nonces, cached recipientRand derivations), for stats and soak checks. */
  sizes(): { nonceParams: number; randCache: number } {
    return { nonceParams: this.nonces.size, randCache: this.randCache.size };
  }

  cleanupExpired(latestBlock: bigint): number {
    for (const [k, e] of this.randCache) if (e.expirationBlock <= latestBlock) this.randCache.delete(k);
    return this.nonces.cleanupExpired(latestBlock);
  }

  /** Pre-seeds the nonce memory (a previous run's seal().nonces): those nonces are refused as replays. */
  restoreNonces(entries: readonly NonceSnapshotEntry[]): void {
    this.nonces.restore(entries.map((e) => ({ ...e, key: e.key.toLowerCase() })));
  }

  /**
   * Stops taking tickets (RECIPIENT_CLOSED from now on) and returns the nonce memory of unexpired
   * params: complete, since nothing can be recorded after it. Idempotent.
   */
  seal(): RecipientState {
    this.nonces.seal();
    const latestBlock = this.cfg.chain.lastSeenL1Block();
    const byNow = latestBlock + PARAMS_EXPIRATION_BLOCKS;
    return {
      nonces: this.nonces.snapshot(latestBlock),
      latestBlock,
      paramsExpireBy: this.maxExpirationIssued > byNow ? this.maxExpirationIssued : byNow,
    };
  }

  /** Number of distinct nonces seen for a recipientRandHash. */
  nonceCount(recipientRandHash: Hex32): number {
    return this.nonces.count(recipientRandHash.toLowerCase());
  }
}
