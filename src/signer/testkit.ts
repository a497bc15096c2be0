// Test helpers for the signer (not shipped): a real pm Recipient as the orchestrator on an in-memory
// chain view, OrchestratorInfo bytes as an orchestrator sends them, and a controllable clock.
import { create, toBinary } from '@bufbuild/protobuf';
import type { Address } from 'viem';
import { Rat, type PriceInfo } from '../money/index.js';
import { MemoryChainView, MemorySenderInfo, Recipient, addressOfPrivateKey, hexToBytes, ticketEV, type Hex32 } from '../pm/index.js';
import { OrchestratorInfoSchema, createAuthToken, decodePaymentHeader, encodeBase64, paymentFromWire, priceInfoToWire, ticketParamsToWire, type Capabilities } from '../wire/index.js';
import { createRemoteSigner, type RemoteSignerOptions } from './service.js';
import assert from 'node:assert/strict';
import type { GenerateLivePaymentResponseWire, RemoteSignerService, SignerCallContext, SignerErrorBodyWire, SignerOutcome } from './types.js';

export const SIGNER_KEY = `0x${'4c'.repeat(32)}` as const;
export const SIGNER_ADDR: Address = addressOfPrivateKey(hexToBytes(SIGNER_KEY));
export const O_ADDR: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const T0 = 1_800_000_000n * 1_000_000_000n;

export function ctx(headers: Record<string, string> = {}): SignerCallContext {
  return { headers, signal: new AbortController().signal };
}

export class Rig {
  readonly chain = new MemoryChainView({ l1Block: 1000n, round: 7n, roundBlockHash: `0x${'ab'.repeat(32)}` as Hex32 });
  readonly senders = new MemorySenderInfo().set(SIGNER_ADDR, { deposit: 10n ** 20n, reserve: { fundsRemaining: 10n ** 20n } }).setMaxFloat(SIGNER_ADDR, 10n ** 20n);
  readonly secret = new Uint8Array(32).fill(9);
  recipient: Recipient;
  /** The signer's clock, ns since the epoch. */
  clock = T0;

  constructor(readonly ev = 100_000_000n) {
    this.recipient = this.newRecipient(ev);
  }

  newRecipient(ev: bigint): Recipient {
    return new Recipient({ address: O_ADDR, secret: this.secret, chain: this.chain, senders: this.senders, params: { ev, redeemGas: 1000n, txCostMultiplier: 100n }, gasPrice: { gasPrice: () => 10n }, maxFloat: this.senders });
  }

  signer(over: Partial<RemoteSignerOptions> = {}): RemoteSignerService {
    return createRemoteSigner({ privateKey: SIGNER_KEY, chain: this.chain, senders: this.senders, now: () => this.clock, ...over });
  }

  advance(seconds: number): void {
    this.clock += BigInt(Math.round(seconds * 1e9));
  }

  /** base64 OrchestratorInfo with fresh params for the signer at `price`. */
  async orch(price: PriceInfo = { pricePerUnit: 1n, pixelsPerUnit: 1n }, opts: { authExpiresIn?: bigint } = {}): Promise<string> {
    const params = await this.recipient.ticketParams(SIGNER_ADDR, price);
    const nowS = this.clock / 1_000_000_000n;
    const info = create(OrchestratorInfoSchema, {
      transcoder: 'https://127.0.0.1:8935',
      address: hexToBytes(O_ADDR),
      ticketParams: ticketParamsToWire(params),
      priceInfo: priceInfoToWire(price),
      authToken: createAuthToken(this.secret, { now: nowS, validitySeconds: Number(opts.authExpiresIn ?? 1800n), sessionId: 'sess-1' }),
    });
    return encodeBase64(toBinary(OrchestratorInfoSchema, info));
  }

  /** What the orchestrator credits for a payment header (its real Recipient), and the nonces. */
  async credit(paymentHeader: string): Promise<{ credited: Rat; nonces: bigint[]; errors: string[]; ev: Rat }> {
    const p = paymentFromWire(decodePaymentHeader(paymentHeader));
    const r = await this.recipient.processPayment({ params: p.ticketParams!, expirationParams: p.expirationParams, sender: p.sender!, senderParams: p.senderParams });
    return { credited: r.credited, nonces: p.senderParams.map((s) => s.senderNonce), errors: r.tickets.filter((t) => t.error).map((t) => t.error!.code), ev: ticketEV(p.ticketParams!.faceValue, p.ticketParams!.winProb) };
  }
}

export function decodeStateWire(s: { State: string }): Record<string, unknown> {
  return JSON.parse(Buffer.from(s.State, 'base64').toString('utf8')) as Record<string, unknown>;
}

/** A 200 outcome's body (fails the test otherwise). */
export const ok = (o: SignerOutcome): GenerateLivePaymentResponseWire => {
  assert.equal(o.status, 200, JSON.stringify(o.body));
  return o.body as GenerateLivePaymentResponseWire;
};
/** A refusal's body, after checking its status and code. */
export const err = (o: SignerOutcome, status: number, code: string): SignerErrorBodyWire => {
  assert.equal(o.status, status, JSON.stringify(o.body));
  const b = o.body as SignerErrorBodyWire;
  assert.equal(b.error.code, code);
  return b;
};

export type { Capabilities };
export { Rat };
