// A winning ticket is committed before the payment that carried it is acknowledged: the pm
// Recipient awaits its sink, and storeTicketSink resolves only once addWinning has committed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { Address } from 'viem';
import {
  MAX_WIN_PROB, MemoryChainView, MemorySenderInfo, Recipient, keccak256, bytesToHex, localTicketSigner, recipientRand, recipientRandHash,
  ticketHash, ticketHashBytes, type Ticket,
} from '../../src/pm/index.js';
import { openStore, storeTicketSink, type Store } from '../../src/store/index.js';

const G_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const O_ADDR: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const BLOCK_HASH = bytesToHex(keccak256(Buffer.from('round')));
const SECRET = new Uint8Array(32).fill(5);
const signer = localTicketSigner(G_KEY);
const dir = mkdtempSync(join(tmpdir(), 'livepeer-ts-sink-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function recipient(store: Store) {
  const senders = new MemorySenderInfo().set(signer.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } }).setMaxFloat(signer.address, 10n ** 18n);
  return new Recipient({
    address: O_ADDR, secret: SECRET, chain: new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: BLOCK_HASH }), senders, maxFloat: senders,
    sink: storeTicketSink(store), params: { ev: 1000n, redeemGas: 1000n, txCostMultiplier: 100n }, gasPrice: { gasPrice: () => 10n },
  });
}

/** A ticket that always wins, with recipientRand committed to by O's secret (as Recipient checks). */
function winner(nonce: bigint): { ticket: Ticket; sig: Uint8Array; seed: bigint; rand: bigint } {
  const seed = 42n;
  const base = {
    recipient: O_ADDR, sender: signer.address, faceValue: 5_000n, winProb: MAX_WIN_PROB, senderNonce: nonce, creationRound: 5n, creationRoundBlockHash: BLOCK_HASH,
    paramsExpirationBlock: 140n, price: { pricePerUnit: 1200n, pixelsPerUnit: 1n },
  };
  const rand = recipientRand(SECRET, { seed, sender: base.sender, faceValue: base.faceValue, winProb: base.winProb, expirationBlock: base.paramsExpirationBlock, price: base.price, expirationParams: base });
  const ticket: Ticket = { ...base, recipientRandHash: recipientRandHash(rand) };
  return { ticket, sig: signer.sign(ticketHashBytes(ticket)) as Uint8Array, seed, rand };
}

it('the Recipient answers a winning ticket only after the store committed it', async () => {
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  try {
    const r = recipient(store);
    const t = winner(1n);
    const res = await r.receiveTicket(t.ticket, t.sig, t.seed);
    assert.equal(res.won, true);
    // SQLite commits in a batch on a later turn of the event loop: had the Recipient not waited
    // for the sink, this read (synchronous underneath) would find nothing yet.
    const got = await store.tickets.get(ticketHash(t.ticket));
    assert.equal(got?.state, 'pending');
    assert.equal(got?.ticket.recipientRand, t.rand);
    assert.deepEqual(got?.ticket.sig, t.sig);
  } finally {
    await store.close();
  }
});

it('a store that cannot commit fails the payment instead of acknowledging it', async () => {
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  const r = recipient(store);
  await store.close();
  const t = winner(2n);
  const res = await r.receiveTicket(t.ticket, t.sig, t.seed);
  assert.equal(res.credited, false);
  assert.equal(res.error?.code, 'TICKET_NOT_QUEUED');
  assert.equal(res.error?.fatal, true, 'the whole payment is refused');
  assert.equal((res.error?.cause as { code?: string } | undefined)?.code, 'STORE_CLOSED');
});
