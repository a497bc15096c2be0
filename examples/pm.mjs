// livepeer-ts/pm: sign and verify a ticket, check hash and lottery against an independent vector,
// then a gateway → orchestrator round trip with Sender and Recipient (in memory, no chain).
// Run: node examples/pm.mjs
import assert from 'node:assert/strict';
import { formatRatWei } from 'livepeer-ts/money';
import {
  MAX_WIN_PROB, MemoryChainView, MemorySenderInfo, MemoryTicketSink, Recipient, Sender,
  cryptoBackend, hexToBytes, isWinningTicket, localTicketSigner, newTicket, recipientRandHash,
  recoverSigner, ticketHash, ticketHashBytes, verifyTicketSig,
} from 'livepeer-ts/pm';

// anvil's first dev key: a well-known test key, never use it for real money.
const gateway = localTicketSigner('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const ORCHESTRATOR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
assert.equal(gateway.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');

// 1. A ticket from params, signed with the key, verified.
const params = {
  recipient: ORCHESTRATOR,
  faceValue: 10n ** 15n,
  winProb: MAX_WIN_PROB / 2n,
  recipientRandHash: recipientRandHash(42n),
  seed: 7n,
  expirationBlock: 140n,
  price: { pricePerUnit: 1n, pixelsPerUnit: 1n },
  expirationParams: { creationRound: 5n, creationRoundBlockHash: `0x${'ab'.repeat(32)}` },
};
const ticket = newTicket(params, params.expirationParams, gateway.address, 1n);
const sig = gateway.sign(ticketHashBytes(ticket));
assert.equal(verifyTicketSig(gateway.address, ticketHashBytes(ticket), sig), null);
assert.deepEqual(recoverSigner(ticketHashBytes(ticket), sig), { signer: gateway.address });
assert.equal(verifyTicketSig(ORCHESTRATOR, ticketHashBytes(ticket), sig), 'wrong-signer');
assert.equal(isWinningTicket(sig, 42n, MAX_WIN_PROB), true); // winProb 2^256−1 always wins
assert.equal(isWinningTicket(sig, 42n, 0n), false);
console.log(`signed ${ticketHash(ticket)} as ${gateway.address} (${cryptoBackend()} secp256k1)`);

// 2. Hash, signer and lottery of a vector made by an independent implementation (viem + noble).
const v = {
  recipient: '0x29565229E7009DF41Ad6945f8D636F1dac73604E', sender: '0xbf901E9e71A25cEb18b64292c6789e5Db4A3Ce08',
  faceValue: 65156199016286785n, winProb: 14227633450835036801595759502384347992988832956678808368853587315901672569459n,
  senderNonce: 4294967289n, recipientRandHash: '0x492e2d28df622a53456165e75dfd4c7fa68d6964792e1b13314eea2bb4b98c57',
  creationRound: 3127n, creationRoundBlockHash: '0xd6dc57e621332f721f13109445f6c800c6e700ab0514e3f97fd7bb9efc3f4165',
};
const vSig = hexToBytes('0xa2fa5ac4e5583e5a74840976952a54381218b52266de15162f465c4ded8c891c1ba2e12b82f6e07aae2566eacb487bd69ab1c6c4cb7d6494ccf848bfbad2c46e1b');
const vRand = 15109959113171969602010104309503799964750449949118895030949664207731519109356n;
assert.equal(ticketHash(v), '0x052bdcb2ce09fe7fc669195b66a5e2d65486eab70a8797df59aa1b55471310a0');
assert.deepEqual(recoverSigner(ticketHashBytes(v), vSig), { signer: v.sender });
assert.equal(recipientRandHash(vRand), v.recipientRandHash);
assert.equal(isWinningTicket(vSig, vRand, v.winProb), true);
console.log('vector: hash, signer, recipientRandHash and win match');

// 3. Round trip: the orchestrator issues params, the gateway signs a batch, the orchestrator credits it.
const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: `0x${'cd'.repeat(32)}` });
const funds = new MemorySenderInfo()
  .set(gateway.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } })
  .setMaxFloat(gateway.address, 10n ** 18n);
const winners = new MemoryTicketSink();
const recipient = new Recipient({ address: ORCHESTRATOR, chain, senders: funds, maxFloat: funds, sink: winners });
const sender = new Sender({ signer: gateway, chain, senders: funds });

const issued = await recipient.ticketParams(gateway.address, { pricePerUnit: 1200n, pixelsPerUnit: 1n });
const session = sender.startSession(issued);
const batch = await sender.createTicketBatch(session, 3);
const paid = await recipient.processPayment(batch);
assert.equal(paid.error, undefined);
assert.ok(paid.credited.eq(sender.ev(session).mul(3n)), 'credited = 3 × ticket EV, exactly');
assert.equal(winners.tickets.length, paid.winners);
const replay = await recipient.processPayment(batch); // same nonces again
assert.equal(replay.error?.code, 'NONCE_ALREADY_SEEN');
assert.ok(replay.credited.isZero());
console.log(`round trip: 3 tickets of face value ${issued.faceValue} wei, credited ${formatRatWei(paid.credited, 0)} wei, ${paid.winners} won`);
console.log(`replay refused: ${replay.error.code}`);
