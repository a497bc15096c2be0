// Hostile input against the bounds of src/wire/limits.ts, over real TLS + HTTP/2 with a real
// reference runner: each bound answered with its status and code before anything is expanded,
// the event loop never blocked ≥ 50 ms by one such request (the orchestrator runs in this process,
// so this process's event-loop delay is its delay; requests are encoded before measuring).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { startReferenceRunner, type ReferenceRunner } from '../../ai/index.js';
import { Capability } from '../../market/index.js';
import { MemoryChainView, MemorySenderInfo } from '../../pm/index.js';
import {
  CapabilitiesSchema,
  Capabilities_CapabilityConstraintsSchema,
  Capabilities_ConstraintsSchema,
  OrchestratorRequestSchema,
  PaymentSchema,
  TicketParamsSchema,
  TicketSenderParamsSchema,
  WIRE_LIMITS,
  createOrchestratorClient,
  createOrchestratorRequest,
  decodeSegmentHeader,
  encodePaymentHeader,
  encodeSegmentHeader,
  fromHex,
  refusalFromConnectError,
  refusalFromHeaders,
} from '../../wire/index.js';
import { maxLoopDelayMs } from '../common/testkit.js';
import { startOrchestrator, type Orchestrator } from './node.js';
import { TestGateway, h2post } from './testkit.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
const JSON_CT = { 'content-type': 'application/json' };
const body = JSON.stringify({ prompt: 'a cat', width: 8, height: 8 });
let dir: string;
let t2i: ReferenceRunner;
let orch: Orchestrator;
let gw: TestGateway;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-limits-'));
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  const models = [{ pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true }];
  orch = await startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: JSON.stringify(models), network: 'offchain', ethPrivateKey: KEY });
  gw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'text-to-image', t2i.modelId);
  await gw.refresh();
});
after(async () => {
  await orch?.close();
  await t2i?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * One raw gRPC call (an already-encoded message): the grpc-status from the trailers or a
 * trailers-only answer. The server may answer before reading the whole body, so the first status
 * ends the call.
 */
function rawGrpc(url: string, method: string, message: Uint8Array): Promise<{ grpcStatus: number; message: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(url, { rejectUnauthorized: false });
    const timer = setTimeout(() => done(new Error('no grpc-status within 20 s')), 20_000);
    const done = (err: Error | undefined, r?: { grpcStatus: number; message: string }) => {
      clearTimeout(timer);
      session.destroy();
      if (err) reject(err);
      else resolve(r!);
    };
    session.on('error', (e) => done(e));
    const req = session.request({ ':method': 'POST', ':path': `/net.Orchestrator/${method}`, 'content-type': 'application/grpc+proto', te: 'trailers' });
    const take = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) done(undefined, { grpcStatus: Number(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'] ?? '')) });
    };
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', () => {});
    req.on('error', () => {}); // the stream is reset once we have the status
    const envelope = Buffer.alloc(5);
    envelope.writeUInt32BE(message.length, 1);
    req.end(Buffer.concat([envelope, message]));
  });
}

async function getOrchestratorRefusal(caps: ReturnType<typeof create<typeof CapabilitiesSchema>>): Promise<ConnectError> {
  const client = createOrchestratorClient(orch.url);
  try {
    await client.getOrchestrator(await createOrchestratorRequest(gw.signer, { capabilities: caps }));
  } catch (err) {
    return ConnectError.from(err);
  } finally {
    client.close();
  }
  assert.fail('GetOrchestrator was not refused');
}

describe('orchestrator: bounds on unauthenticated input', () => {
  it('a 3 MB capabilities bitstring in GetOrchestrator: RESOURCE_EXHAUSTED, event loop never blocked 50 ms, RSS bounded', async () => {
    // 300,000 words of 10-byte varints: 3 MB, as in the report.
    const words = Array.from({ length: 300_000 }, () => 0xffff_ffff_ffff_ffffn);
    const bytes = toBinary(OrchestratorRequestSchema, create(OrchestratorRequestSchema, { capabilities: create(CapabilitiesSchema, { bitstring: words }) }));
    assert.ok(bytes.length >= 3_000_000);
    const rss0 = process.memoryUsage().rss;
    const { result, maxMs } = await maxLoopDelayMs(() => rawGrpc(orch.url, 'GetOrchestrator', bytes));
    assert.equal(result.grpcStatus, Code.ResourceExhausted, result.message);
    assert.ok(maxMs < 50, `event loop blocked ${maxMs.toFixed(1)} ms`);
    const grownMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grownMb < 64, `RSS grew ${grownMb.toFixed(0)} MB`);
    // The node still serves.
    assert.ok((await gw.refresh()).authToken);
  });

  it('a bitstring above 64 words within the message size: INVALID_ARGUMENT, WIRE_LIMIT_EXCEEDED capabilityWords', async () => {
    const words = Array.from({ length: WIRE_LIMITS.capabilityWords + 1 }, () => 1n);
    const e = await getOrchestratorRefusal(create(CapabilitiesSchema, { bitstring: words }));
    assert.equal(e.code, Code.InvalidArgument, e.message);
    assert.deepEqual(refusalFromConnectError(e), { code: 'WIRE_LIMIT_EXCEEDED', reason: 'capabilityWords' });
    const m = await getOrchestratorRefusal(create(CapabilitiesSchema, { mandatories: words }));
    assert.equal(m.code, Code.InvalidArgument);
    // Exactly at the bound is served.
    const client = createOrchestratorClient(orch.url);
    try {
      const atBound = Array.from({ length: WIRE_LIMITS.capabilityWords }, (_, i) => (i === 0 ? 1n << BigInt(Capability.TextToImage) : 0n));
      const info = await client.getOrchestrator(await createOrchestratorRequest(gw.signer, { capabilities: create(CapabilitiesSchema, { bitstring: atBound }) }));
      assert.ok(info.authToken);
    } finally {
      client.close();
    }
  });

  it('constraint maps above their bounds: models per capability, capacities, model id length (INVALID_ARGUMENT)', async () => {
    const models: Record<string, object> = {};
    for (let i = 0; i <= WIRE_LIMITS.modelsPerCapability; i++) models[`m${i}`] = {};
    const tooMany = create(CapabilitiesSchema, {
      constraints: create(Capabilities_ConstraintsSchema, { PerCapability: { [Capability.TextToImage]: create(Capabilities_CapabilityConstraintsSchema, { models }) } }),
    });
    const a = await getOrchestratorRefusal(tooMany);
    assert.equal(a.code, Code.InvalidArgument);
    assert.equal(refusalFromConnectError(a).reason, 'modelsPerCapability');
    const capacities: Record<number, number> = {};
    for (let i = 0; i <= WIRE_LIMITS.capabilityEntries; i++) capacities[i] = 1;
    const b = await getOrchestratorRefusal(create(CapabilitiesSchema, { capacities }));
    assert.equal(refusalFromConnectError(b).reason, 'capabilityEntries');
    const longId = create(CapabilitiesSchema, {
      constraints: create(Capabilities_ConstraintsSchema, {
        PerCapability: { [Capability.TextToImage]: create(Capabilities_CapabilityConstraintsSchema, { models: { ['x'.repeat(WIRE_LIMITS.modelIdChars + 1)]: {} } }) },
      }),
    });
    assert.equal(refusalFromConnectError(await getOrchestratorRefusal(longId)).reason, 'modelIdChars');
  });

  it('Livepeer-Payment above 48 KiB or with more than 600 tickets: 402 PAYMENT_INVALID before decoding', async () => {
    const h = await gw.headers(0);
    const long = await h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-payment': 'A'.repeat(WIRE_LIMITS.paymentHeaderChars + 4) });
    assert.equal(long.status, 402, long.text);
    assert.deepEqual(refusalFromHeaders(long.headers), { code: 'PAYMENT_INVALID', reason: 'WIRE_LIMIT_EXCEEDED' });
    // Signatures left empty so 601 tickets fit in the header bound (they are counted before any is read).
    const sp = create(TicketSenderParamsSchema, { senderNonce: 7 });
    const payment = create(PaymentSchema, {
      sender: fromHex(gw.signer.address, 'sender', 20),
      ticketParams: create(TicketParamsSchema, { recipient: new Uint8Array(20) }),
      ticketSenderParams: Array.from({ length: WIRE_LIMITS.ticketsPerPayment + 1 }, () => sp),
    });
    const header = encodePaymentHeader(payment);
    assert.ok(header.length <= WIRE_LIMITS.paymentHeaderChars, 'the ticket bound is reached inside the header bound');
    const many = await h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-payment': header });
    assert.equal(many.status, 402, many.text);
    assert.match(many.text, /tickets in one payment: 601 is above the limit of 600/);
    assert.equal(refusalFromHeaders(many.headers).reason, 'WIRE_LIMIT_EXCEEDED');
  });


  it('Livepeer-Segment above 16 KiB, or with a 4096-word bitstring: 403 SEGMENT_INVALID, loop never blocked 50 ms', async () => {
    const h = await gw.headers(0);
    const long = await h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-segment': 'A'.repeat(WIRE_LIMITS.segmentHeaderChars + 4) });
    assert.equal(long.status, 403, long.text);
    assert.deepEqual(refusalFromHeaders(long.headers), { code: 'SEGMENT_INVALID', reason: 'WIRE_LIMIT_EXCEEDED' });
    const seg = decodeSegmentHeader(h['livepeer-segment']);
    seg.capabilities = create(CapabilitiesSchema, { bitstring: Array.from({ length: 4096 }, () => 1n) });
    const wide = encodeSegmentHeader(seg);
    assert.ok(wide.length <= WIRE_LIMITS.segmentHeaderChars, 'the bitstring bound is reached inside the header bound');
    const { result, maxMs } = await maxLoopDelayMs(() => h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-segment': wide }));
    assert.equal(result.status, 403, result.text);
    assert.match(result.text, /capabilities bitstring words: 4096 is above the limit of 64/);
    assert.ok(maxMs < 50, `event loop blocked ${maxMs.toFixed(1)} ms`);
    // An honest header still works after all this.
    const ok = await h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h });
    assert.equal(ok.status, 200, ok.text);
  });
});

