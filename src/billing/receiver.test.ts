// The payment receiver with a real pm Recipient and Sender on an in-memory chain view: the price
// rule (own price, a higher claim, a lower claim refused before any ticket is credited), the
// balance check with the fees of jobs in flight, and the decode errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import { Rat, type PriceInfo } from '../money/index.js';
import { MemoryChainView, MemorySenderInfo, Recipient, Sender, bytesToHex, keccak256, localTicketSigner } from '../pm/index.js';
import { encodePaymentHeader, emptyPayment, paymentFromWire, paymentToWire } from '../wire/index.js';
import { Balances } from './balances.js';
import { BillingError } from './errors.js';
import { TicketPaymentReceiver } from './receiver.js';

const O_ADDR: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const signer = localTicketSigner('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const OWN: PriceInfo = { pricePerUnit: 100n, pixelsPerUnit: 1n };
const CAP = 33;
const MODEL = 'm';

function setup() {
  const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: bytesToHex(keccak256(Buffer.from('r'))) });
  const senders = new MemorySenderInfo().set(signer.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } }).setMaxFloat(signer.address, 10n ** 18n);
  const recipient = new Recipient({ address: O_ADDR, chain, senders, params: { ev: 1000n, redeemGas: 1000n, txCostMultiplier: 100n }, gasPrice: { gasPrice: () => 10n }, maxFloat: senders });
  const sender = new Sender({ signer, chain, senders });
  const balances = new Balances();
  const seen = { tickets: 0, ev: Rat.ZERO };
  const receiver = new TicketPaymentReceiver({
    recipient,
    balances,
    pricing: { forJob: () => OWN },
    events: { ticketsSeen: (n) => (seen.tickets += n), credited: (ev) => (seen.ev = seen.ev.add(ev)) },
  });
  const pay = async (quote: PriceInfo, tickets: number) => {
    const params = await recipient.ticketParams(signer.address, quote);
    const session = sender.startSession(params);
    if (tickets === 0) return paymentFromWire(emptyPayment(signer.address, quote));
    return paymentFromWire(paymentToWire(await sender.createTicketBatch(session, tickets), { expectedPrice: quote }));
  };
  const ev = recipient.ev();
  return { receiver, balances, seen, pay, ev };
}

const job = (units: bigint) => ({ capability: CAP, modelId: MODEL, units });
const refused = (code: string) => (e: unknown) => e instanceof BillingError && e.code === code && e.status === 400;

describe('TicketPaymentReceiver', () => {
  it('charges its own price; a higher claim raises it; a lower one is refused before any ticket is credited', async () => {
    const { receiver, balances, seen, pay } = setup();
    const own = await receiver.charge(await pay(OWN, 2), job(3n));
    assert.ok(own.fee.eq(300n));
    own.debit();
    own.debit(); // idempotent
    const credited = seen.ev;
    assert.ok(balances.balance(signer.address, `${CAP}_${MODEL}`)!.eq(credited.sub(300n)));
    const high = await receiver.charge(await pay({ pricePerUnit: 250n, pixelsPerUnit: 2n }, 1), job(2n));
    assert.ok(high.fee.eq(250n), 'claim 125/unit > own 100/unit: charged the claim');
    high.release();
    const ticketsBefore = seen.tickets;
    await assert.rejects(receiver.charge(await pay({ pricePerUnit: 99n, pixelsPerUnit: 1n }, 3), job(1n)), refused('EXPECTED_PRICE_TOO_LOW'));
    await assert.rejects(receiver.charge(await pay({ pricePerUnit: 0n, pixelsPerUnit: 1n }, 0), job(1n)), refused('EXPECTED_PRICE_TOO_LOW'));
    await assert.rejects(receiver.charge(paymentFromWire(emptyPayment(signer.address)), job(1n)), refused('EXPECTED_PRICE_TOO_LOW'));
    assert.equal(seen.tickets, ticketsBefore, 'refused payments had their tickets left unprocessed');
  });

  it('counts the fees of jobs in flight as spent: one ticket of credit runs one job at a time', async () => {
    const { receiver, pay, ev } = setup();
    assert.ok(ev.eq(1000n));
    // Two tickets of credit, a job of 1.5 tickets: the balance holds one EV, but not once that job's fee is counted.
    const first = await receiver.charge(await pay(OWN, 2), job(15n));
    await assert.rejects(receiver.charge(await pay(OWN, 0), job(1n)), refused('INSUFFICIENT_BALANCE'));
    first.release(); // the first job failed: nothing debited, its fee no longer in flight
    const again = await receiver.charge(await pay(OWN, 0), job(15n));
    again.debit();
    await assert.rejects(receiver.charge(await pay(OWN, 0), job(1n)), refused('INSUFFICIENT_BALANCE'));
  });

  it('decode: a garbled header is 402 PAYMENT_INVALID; a payment with params but no expected price too', () => {
    const { receiver } = setup();
    assert.throws(() => receiver.decode('***'), (e: unknown) => e instanceof BillingError && e.code === 'PAYMENT_INVALID' && e.status === 402);
    assert.throws(() => receiver.decode(undefined), (e: unknown) => e instanceof BillingError && e.code === 'PAYMENT_INVALID');
    assert.equal(receiver.decode(encodePaymentHeader(emptyPayment(signer.address, OWN))).sender, signer.address);
  });
});
