// Live video-to-video prices and fees, shared by the gateway's live sender and the orchestrator's
// live receiver. An operator prices live-video-to-video in aiModels.json in **wei per second**;
// on the wire we stay go-livepeer-compatible, where lv2v is billed in 720p30 pixels: a go-livepeer
// gateway pays `int64(1280·720·30 × elapsed_seconds)` pixels at `pricePerUnit / pixelsPerUnit` wei
// per pixel (server/live_payment_processor.go NewLV2VPaymentProcessor, server/live_payment.go
// calculateFee, an exact big.Rat). Advertising PriceInfo{P, 27,648,000} for P wei/s therefore makes
// any gateway pay pixels × P / 27,648,000 = seconds × P wei, exactly.
//
// Time is billed in whole milliseconds: 27,648,000 px/s is 27,648 px/ms, so a millisecond is a
// whole number of pixels and fee(ms) = ms × P / 1000 wei exactly (a rational: balances are exact).
// The meter carries the sub-millisecond remainder to the next interval: the total billed after any
// sequence of takes is floor(now − start) ms, so nothing is lost and nothing is billed twice
// (go-livepeer advances its clock only by the billed duration for the same reason, #3938).
import { Rat, fee, priceRat, validatePriceInfo, type PriceInfo } from '../money/index.js';

/** go-livepeer's lv2v units per second: 1280 × 720 pixels at 30 fps. */
export const LIVE_PIXELS_PER_SECOND = 1280n * 720n * 30n;
/** Pixels per millisecond of stream (27,648: a whole number, so ms are billed without rounding). */
export const LIVE_PIXELS_PER_MS = LIVE_PIXELS_PER_SECOND / 1000n;
/** go-livepeer's initial lv2v payment covers 60 s (initPixelsToPay, server/ai_process.go). */
export const LIVE_INITIAL_SECONDS = 60n;
/** 60 × 27,648,000 = 1,658,880,000 pixels. */
export const LIVE_INITIAL_PIXELS = LIVE_INITIAL_SECONDS * LIVE_PIXELS_PER_SECOND;
/** go-livepeer's -livePaymentInterval default (cmd/livepeer/starter/starter.go). */
export const DEFAULT_LIVE_PAYMENT_INTERVAL_MS = 5_000;

/**
 * The wire PriceInfo (wei per 720p30 pixel) for a price in wei per second: {P, 27,648,000} for
 * an integer P; {n, d × 27,648,000} for a fractional n/d wei/s. Not reduced, so it reads as the
 * per-second price it came from; a reduced form of it is the same rational and bills the same.
 */
export function livePriceInfo(weiPerSecond: Rat | bigint): PriceInfo {
  const r = typeof weiPerSecond === 'bigint' ? Rat.from(weiPerSecond) : weiPerSecond;
  if (r.isNegative()) throw new RangeError(`livePriceInfo: negative price ${r.toString()} wei/s`);
  if (r.isZero()) return { pricePerUnit: 0n, pixelsPerUnit: 1n };
  return validatePriceInfo({ pricePerUnit: r.num, pixelsPerUnit: r.den * LIVE_PIXELS_PER_SECOND });
}

/** The wei per second (exact) that a wire price per 720p30 pixel amounts to. */
export function liveWeiPerSecond(price: PriceInfo): Rat {
  return priceRat(price).mul(LIVE_PIXELS_PER_SECOND);
}

/** Pixels for `ms` milliseconds of stream (what goes to calculateFee on either side). */
export function livePixels(ms: bigint): bigint {
  if (ms < 0n) throw new RangeError(`livePixels: negative duration ${ms} ms`);
  return ms * LIVE_PIXELS_PER_MS;
}

/** Exact fee in wei for `ms` milliseconds at a wire price per pixel: ms × 27,648 × price. */
export function liveFeeForMs(ms: bigint, price: PriceInfo): Rat {
  return fee(livePixels(ms), price);
}

/** The exact fee go-livepeer's initial lv2v payment covers (60 s) at a wire price. */
export function liveInitialFee(price: PriceInfo): Rat {
  return fee(LIVE_INITIAL_PIXELS, price);
}

/** One interval as billed by a LiveMeter. */
export interface LiveCharge {
  /** Whole milliseconds billed by this take (≥ 0). */
  ms: bigint;
  /** ms × 27,648. */
  pixels: bigint;
  /** pixels × price, wei, exact. */
  fee: Rat;
  /** Milliseconds billed since the meter started, this take included. */
  totalMs: bigint;
}

/**
 * Wall-clock accounting for one live stream. `take(now)` bills the whole milliseconds elapsed
 * since the last billed instant and carries the rest. Clock values are plain numbers from one
 * monotonic clock (performance.now() or Date.now()); amounts never touch `number`.
 */
export class LiveMeter {
  readonly #startMs: number;
  #billedMs = 0n;
  #totalFee = Rat.ZERO;

  constructor(
    readonly price: PriceInfo,
    startMs: number,
  ) {
    validatePriceInfo(price);
    if (!Number.isFinite(startMs)) throw new RangeError(`LiveMeter: start ${startMs} is not a finite time`);
    this.#startMs = startMs;
  }

  /** Milliseconds billed so far. */
  get billedMs(): bigint {
    return this.#billedMs;
  }

  /** Wei billed so far: billedMs × 27,648 × price, exactly. */
  get totalFee(): Rat {
    return this.#totalFee;
  }

  /** The instant up to which time has been billed (start + billedMs). */
  get billedUntil(): number {
    return this.#startMs + Number(this.#billedMs);
  }

  /** Whole ms `take(now)` would bill, without billing them. */
  due(nowMs: number): bigint {
    const elapsed = Math.floor(nowMs - this.#startMs);
    const total = Number.isFinite(elapsed) && elapsed > 0 ? BigInt(elapsed) : 0n;
    return total > this.#billedMs ? total - this.#billedMs : 0n;
  }

  /** The fee `take(now)` would bill, without billing it. */
  dueFee(nowMs: number): Rat {
    return liveFeeForMs(this.due(nowMs), this.price);
  }

  /** Bills the whole ms since the last take (a clock that went back bills 0 and loses nothing). */
  take(nowMs: number): LiveCharge {
    const ms = this.due(nowMs);
    const pixels = livePixels(ms);
    const charge = fee(pixels, this.price);
    this.#billedMs += ms;
    this.#totalFee = this.#totalFee.add(charge);
    return { ms, pixels, fee: charge, totalMs: this.#billedMs };
  }
}
