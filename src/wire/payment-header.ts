// Livepeer-Payment for a ticket batch, with what does not change between a session's batches
// encoded once. A payment's bytes are its fields in field-number order: ticket_params (1), sender
// (2) and expiration_params (3) are the session's, one ticket_sender_params (4) per ticket, then
// expected_price (5), the quote being echoed. Encoding 1–3 and 5 once per (params, expiration,
// sender, price) and only the (nonce, sig) pairs per batch gives the same bytes as
// encodePaymentHeader(paymentToWire(batch, …)) — checked in payment-header.test.ts — without
// building and reflecting over the whole message per job.
import { create, toBinary } from '@bufbuild/protobuf';
import type { PriceInfo } from '../money/index.js';
import type { TicketBatch, TicketExpirationParams, TicketParams } from '../pm/index.js';
import { PaymentSchema, type PriceInfo as WirePriceInfo } from './gen/net/lp_rpc_pb.js';
import { encodeBase64, fromHex } from './bytes.js';
import { paymentToWire } from './convert-payment.js';
import { ValueRangeError } from './errors.js';

const UINT32_MAX = 0xffff_ffffn;
/** Tag of Payment.ticket_sender_params (field 4, length-delimited). */
const SENDER_PARAMS_TAG = 0x22;

interface Fixed {
  exp: TicketExpirationParams;
  sender: string;
  price: WirePriceInfo | PriceInfo | undefined;
  /** Fields 1–3. */
  head: Uint8Array;
  /** Field 5. */
  tail: Uint8Array;
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Encodes batches' Livepeer-Payment headers; the per-session part is kept per ticket params object (weakly). */
export class PaymentHeaderEncoder {
  readonly #fixed = new WeakMap<TicketParams, Fixed>();

  #fixedFor(batch: TicketBatch, price: WirePriceInfo | PriceInfo | undefined): Fixed {
    const hit = this.#fixed.get(batch.params);
    // The expiration params compared by value: a sender filling them from its chain view (params
    // without a creation round) makes a new object per batch.
    const e = batch.expirationParams;
    if (hit && (hit.exp === e || (hit.exp.creationRound === e.creationRound && hit.exp.creationRoundBlockHash === e.creationRoundBlockHash)) && hit.sender === batch.sender && hit.price === price) return hit;
    // The whole message without tickets, split where field 4 goes: fields 1–3, then field 5.
    const full = paymentToWire({ ...batch, senderParams: [] }, price === undefined ? {} : { expectedPrice: price });
    const tail = toBinary(PaymentSchema, create(PaymentSchema, { expectedPrice: full.expectedPrice }));
    const head = toBinary(PaymentSchema, create(PaymentSchema, { ticketParams: full.ticketParams, sender: fromHex(batch.sender, 'sender', 20), expirationParams: full.expirationParams }));
    const f: Fixed = { exp: batch.expirationParams, sender: batch.sender, price, head, tail };
    this.#fixed.set(batch.params, f);
    return f;
  }

  /** base64 Livepeer-Payment of `batch`, echoing `expectedPrice` (default: the params' price), as paymentToWire + encodePaymentHeader. */
  encode(batch: TicketBatch, expectedPrice?: WirePriceInfo | PriceInfo): string {
    const f = this.#fixedFor(batch, expectedPrice);
    let size = f.head.length + f.tail.length;
    const lens: number[] = [];
    for (const sp of batch.senderParams) {
      if (sp.senderNonce < 0n || sp.senderNonce > UINT32_MAX) {
        throw new ValueRangeError('sender_nonce', `sender_nonce ${sp.senderNonce} does not fit in uint32 (go-livepeer's nonce type)`);
      }
      const nonce = Number(sp.senderNonce);
      // TicketSenderParams: sender_nonce (1, varint; absent when 0), sig (2, bytes; absent when empty).
      const inner = (nonce === 0 ? 0 : 1 + varintLength(nonce)) + (sp.sig.length === 0 ? 0 : 1 + varintLength(sp.sig.length) + sp.sig.length);
      lens.push(inner);
      size += 1 + varintLength(inner) + inner;
    }
    const out = new Uint8Array(size);
    out.set(f.head, 0);
    let at = f.head.length;
    batch.senderParams.forEach((sp, i) => {
      out[at++] = SENDER_PARAMS_TAG;
      at = writeVarint(out, at, lens[i]!);
      const nonce = Number(sp.senderNonce);
      if (nonce !== 0) {
        out[at++] = 0x08;
        at = writeVarint(out, at, nonce);
      }
      if (sp.sig.length > 0) {
        out[at++] = 0x12;
        at = writeVarint(out, at, sp.sig.length);
        out.set(sp.sig, at);
        at += sp.sig.length;
      }
    });
    out.set(f.tail, at);
    return encodeBase64(out);
  }
}
