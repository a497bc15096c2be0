// livepeer-ts/wire: a pm ticket batch → Livepeer-Payment header → back, an OrchestratorInfo
// through protobuf bytes, and a signed OrchestratorRequest. Codecs only: no sockets.
// Run: node examples/wire.mjs
import assert from 'node:assert/strict';
import { MAX_WIN_PROB, MemoryChainView, MemorySenderInfo, Sender, localTicketSigner, recipientRandHash, ticketHashBytes, verifyTicketSig } from 'livepeer-ts/pm';
import {
  OrchestratorInfoSchema, OrchestratorRequestSchema, PAYMENT_HEADER, PriceInfoSchema, WireError,
  createOrchestratorRequest, decodeMessage, decodePaymentHeader, encodeMessage, encodePaymentHeader,
  fromHex, paymentFromWire, paymentToWire, priceInfoFromWire, priceInfoToWire, ticketParamsFromWire,
  ticketParamsToWire, toHex, verifyOrchestratorRequest,
} from 'livepeer-ts/wire';

const gateway = localTicketSigner('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'); // anvil dev key 0
const ORCHESTRATOR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const price = { pricePerUnit: 1200n, pixelsPerUnit: 1n };

// PriceInfo on the wire: field 1 and 2 as varints, the bytes go-livepeer writes.
assert.equal(toHex(encodeMessage(PriceInfoSchema, priceInfoToWire(price))), '0x08b0091001');

// An orchestrator's answer to GetOrchestrator, through bytes and back.
const params = {
  recipient: ORCHESTRATOR, faceValue: 10n ** 15n, winProb: MAX_WIN_PROB / 125_000n,
  recipientRandHash: recipientRandHash(99n), seed: 12345n, expirationBlock: 140n, price,
  expirationParams: { creationRound: 5n, creationRoundBlockHash: `0x${'ab'.repeat(32)}` },
};
const info = decodeMessage(OrchestratorInfoSchema, new Uint8Array(0)); // an empty message
info.transcoder = 'https://127.0.0.1:8935';
info.address = fromHex(ORCHESTRATOR, 'address', 20);
info.ticketParams = ticketParamsToWire(params);
info.priceInfo = priceInfoToWire(price);
const infoBytes = encodeMessage(OrchestratorInfoSchema, info);
const got = decodeMessage(OrchestratorInfoSchema, infoBytes);
assert.deepEqual(ticketParamsFromWire(got.ticketParams, priceInfoFromWire(got.priceInfo)), params);
console.log(`OrchestratorInfo: ${infoBytes.length} bytes, ticket params round-trip exactly`);

// The gateway signs 2 tickets on those params and sends them in a Livepeer-Payment header.
const chain = new MemoryChainView({ l1Block: 100n, round: 5n });
const funds = new MemorySenderInfo().set(gateway.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } });
const sender = new Sender({ signer: gateway, chain, senders: funds });
const batch = await sender.createTicketBatch(sender.startSession(params), 2);
const header = encodePaymentHeader(paymentToWire(batch, { expectedPrice: got.priceInfo }));

// The orchestrator decodes it: same sender, price and tickets, each signature verifies.
const payment = paymentFromWire(decodePaymentHeader(header));
assert.equal(payment.sender, gateway.address);
assert.deepEqual(payment.expectedPrice, price);
assert.deepEqual(payment.tickets.map((t) => t.ticket.senderNonce), [1n, 2n]);
for (const { ticket, sig } of payment.tickets) assert.equal(verifyTicketSig(gateway.address, ticketHashBytes(ticket), sig), null);
console.log(`${PAYMENT_HEADER}: ${header.length} base64 chars, 2 tickets, signatures verify`);

// A bad header is a typed error carrying go-livepeer's status (402).
assert.throws(() => decodePaymentHeader('%%%'), (e) => e instanceof WireError && e.code === 'WIRE_BAD_BASE64' && e.status === 402);

// GetOrchestrator's request: the gateway's address signed; the orchestrator recovers it.
const req = await createOrchestratorRequest(gateway);
const reqBack = decodeMessage(OrchestratorRequestSchema, encodeMessage(OrchestratorRequestSchema, req));
assert.equal(verifyOrchestratorRequest(reqBack), gateway.address);
console.log(`OrchestratorRequest signed by ${gateway.address}, verified`);
