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
import { TicketPaymentReceiver, type SenderFundsCheck } from './receiver.js';

const O_ADDR: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const signer = localTicketSigner('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const OWN: PriceInfo = { pricePerUnit: 100n, pixelsPerUnit: 1n };
const CAP = 33;
const MODEL = 'm';

function setup(funds?: SenderFundsCheck) {
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
    ...(funds ? { funds } : {}),
  });
  const pay = async (quote: PriceInfo, tickets: number) => {
    const params = await recipient.ticketParams(signer.address, quote);
    const session = sender.startSession(params);
    if (tickets === 0) return paymentFromWire(emptyPayment(signer.address, quote));
    return paymentFromWire(paymentToWire(await sender.createTicketBatch(session, tickets), { expectedPrice: quote }));
  };
  const payWire = async (quote: PriceInfo, tickets: number) => {
    const session = sender.startSession(await recipient.ticketParams(signer.address, quote));
    return paymentToWire(await sender.createTicketBatch(session, tickets), { expectedPrice: quote });
  };
  const ev = recipient.ev();
  return { receiver, balances, seen, pay, payWire, ev };
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

  it('a sender funds check refuses uncovered tickets first: 402 INSUFFICIENT_SENDER_FUNDS with its reason, nothing credited', async () => {
    const asked: bigint[] = [];
    let covered = false;
    const { receiver, seen, balances, pay } = setup({
      check: (sender, faceValue) => {
        assert.equal(sender, signer.address);
        asked.push(faceValue);
        return Promise.resolve(covered ? undefined : { code: 'RESERVE_EXHAUSTED', message: 'reserve share 0 below the ticket face value' });
      },
    });
    const p = await pay(OWN, 2);
    await assert.rejects(receiver.charge(p, job(1n)), (e: unknown) => e instanceof BillingError && e.code === 'INSUFFICIENT_SENDER_FUNDS' && e.status === 402 && e.reason === 'RESERVE_EXHAUSTED');
    assert.deepEqual(asked, [p.ticketParams!.faceValue]);
    assert.equal(seen.tickets, 0, 'the tickets were not processed');
    assert.equal(balances.balance(signer.address, `${CAP}_${MODEL}`), undefined);
    // Covered again (a top-up): the same kind of payment goes through.
    covered = true;
    (await receiver.charge(await pay(OWN, 2), job(1n))).debit();
    assert.equal(seen.tickets, 2);
    // A ticketless payment needs no check.
    (await receiver.charge(await pay(OWN, 0), job(1n))).debit();
    assert.equal(asked.length, 2);
  });

  it('a sender funds check that cannot read the chain refuses like an unreadable sender (SENDER_INFO_UNAVAILABLE)', async () => {
    const { receiver, pay } = setup({ check: () => Promise.reject(new Error('rpc down')) });
    await assert.rejects(receiver.charge(await pay(OWN, 1), job(1n)), (e: unknown) => refused('PAYMENT_REJECTED')(e) && (e as BillingError).reason === 'SENDER_INFO_UNAVAILABLE');
  });

  it('a winner that cannot be queued refuses the whole payment (503 REDEMPTION_UNAVAILABLE): the non-winners before it are not credited', async () => {
    // Win probability 1/2 (EV 500,000 of a 1,000,000 face value), and a sink that always fails: some
    // payment of 4 tickets credits a non-winner before its first winner fails (the case that matters).
    const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: bytesToHex(keccak256(Buffer.from('r'))) });
    const senders = new MemorySenderInfo().set(signer.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } }).setMaxFloat(signer.address, 10n ** 18n);
    const sink = { calls: 0, onWinningTicket: () => { sink.calls++; return Promise.reject(new Error('redeemer down')); } };
    const recipient = new Recipient({ address: O_ADDR, chain, senders, params: { ev: 500_000n, redeemGas: 1000n, txCostMultiplier: 100n }, gasPrice: { gasPrice: () => 10n }, maxFloat: senders, sink });
    const sender = new Sender({ signer, chain, senders });
    const balances = new Balances();
    let lastValid = 0;
    const receiver = new TicketPaymentReceiver({ recipient, balances, pricing: { forJob: () => OWN }, events: { ticketsSeen: (_n, valid) => (lastValid = valid), credited: () => {} } });
    let interleaved = 0;
    for (let i = 0; i < 200 && interleaved < 3; i++) {
      const session = sender.startSession(await recipient.ticketParams(signer.address, OWN));
      const p = paymentFromWire(paymentToWire(await sender.createTicketBatch(session, 4), { expectedPrice: OWN }));
      const calls = sink.calls;
      const before = balances.balance(signer.address, `${CAP}_${MODEL}`) ?? Rat.ZERO;
      try {
        (await receiver.charge(p, job(1n))).release();
        assert.equal(sink.calls, calls, 'accepted only without a winner');
        continue;
      } catch (e) {
        assert.ok(e instanceof BillingError && e.code === 'REDEMPTION_UNAVAILABLE' && e.status === 503 && e.reason === 'TICKET_NOT_QUEUED', String(e));
      }
      const after = balances.balance(signer.address, `${CAP}_${MODEL}`) ?? Rat.ZERO;
      assert.ok(after.eq(before), `a refused payment moved the credit: ${String(before)} → ${String(after)}`);
      if (lastValid > 0) interleaved++;
    }
    assert.equal(interleaved, 3, 'payments with a credited non-winner before the failing winner were seen');
  });

  it('decode: a garbled header is 402 PAYMENT_INVALID; a payment with params but no expected price too', () => {
    const { receiver } = setup();
    assert.throws(() => receiver.decode('***'), (e: unknown) => e instanceof BillingError && e.code === 'PAYMENT_INVALID' && e.status === 402);
    assert.throws(() => receiver.decode(undefined), (e: unknown) => e instanceof BillingError && e.code === 'PAYMENT_INVALID');
    assert.equal(receiver.decode(encodePaymentHeader(emptyPayment(signer.address, OWN))).sender, signer.address);
  });

  it('decode: a ticketless payment seen before is not decoded again, and each use is still charged on its own', async () => {
    const { receiver, balances, payWire } = setup();
    const header = encodePaymentHeader(emptyPayment(signer.address, OWN));
    const a = receiver.decode(header);
    assert.equal(receiver.decode(header), a, 'the same decoded payment');
    // With tickets, every header is decoded (and every ticket processed) afresh.
    const withTickets = encodePaymentHeader(await payWire(OWN, 2));
    assert.notEqual(receiver.decode(withTickets), receiver.decode(withTickets));
    const credit = await receiver.charge(receiver.decode(withTickets), job(1n));
    credit.debit();
    const before = balances.balance(signer.address, `${CAP}_${MODEL}`)!;
    for (let i = 0; i < 3; i++) (await receiver.charge(receiver.decode(header), job(2n))).debit();
    assert.ok(balances.balance(signer.address, `${CAP}_${MODEL}`)!.eq(before.sub(600n)), 'three jobs on the cached payment, three debits');
    await assert.rejects(receiver.charge(receiver.decode(encodePaymentHeader(emptyPayment(signer.address, { pricePerUnit: 1n, pixelsPerUnit: 1n }))), job(1n)), refused('EXPECTED_PRICE_TOO_LOW'));
  });
});
