// A RECORDING orchestrator for the gateway's tests: real gRPC GetOrchestrator + HTTPS (HTTP/2, TLS)
// on one port, real reference runners behind it, and a log of every job request with its headers
// decoded by the wire codecs. It checks what it can (segment-credential and ticket signatures,
// auth token) but keeps no balances: the real orchestrator (src/nodes/orchestrator) does that.
// Used where a test must count what reached an orchestrator, or make one fail on purpose.
import { create } from '@bufbuild/protobuf';
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Http2SecureServer } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Address, PublicClient } from 'viem';
import { roundsManagerAbi } from '../src/eth/index.js';
import type { PriceInfo } from '../src/money/index.js';
import { Capability, defaultCapabilities, makeCapabilities, mandatoryOCapabilities, pipelineToCapability } from '../src/market/index.js';
import type { Hex32 } from '../src/pm/index.js';
import { computeWinProb, localTicketSigner, recoverSigner, ticketHashBytes } from '../src/pm/index.js';
import { capabilitiesToWire, trackConnections } from '../src/nodes/common/index.js';
import {
  OrchestratorInfoSchema,
  PAYMENT_HEADER,
  SEGMENT_HEADER,
  createAuthToken,
  decodePaymentHeader,
  ensureTlsCert,
  fromHex,
  orchestratorServerOptions,
  paymentFromWire,
  priceInfoToWire,
  registerOrchestratorService,
  ticketParamsToWire,
  verifyOrchestratorRequest,
  verifySegmentCredentials,
  type DecodedPayment,
  type OrchestratorInfo,
  type SegData,
} from '../src/wire/index.js';

export interface RecordedJob {
  pipeline: string;
  authorization: string | undefined;
  contentType: string;
  body: Buffer;
  payment: DecodedPayment;
  seg: SegData;
  /** Every ticket's signature recovered to the payment's sender. */
  ticketsSignedBySender: boolean;
  status: number;
}

export interface FakeOrchestratorOptions {
  /** Runner base URL per pipeline. */
  runners: Record<string, string>;
  /** Model id per pipeline (default: the runner's own default is assumed by the caller). */
  models: Record<string, string>;
  price: PriceInfo;
  /** The orchestrator's key (its address is the ticket recipient). */
  privateKey: `0x${string}`;
  /** On-chain: ticket params from this chain. Offchain when absent. */
  chain?: { publicClient: PublicClient; roundsManager: Address; faceValue: bigint; ev: bigint };
  /** Answer every job with this instead of running it. */
  failWith?: { status: number; message: string };
}

export interface FakeOrchestrator {
  url: string;
  address: Address;
  jobs: RecordedJob[];
  discoveries: number;
  failWith: FakeOrchestratorOptions['failWith'];
  close(): Promise<void>;
}

export async function startFakeOrchestrator(o: FakeOrchestratorOptions): Promise<FakeOrchestrator> {
  const dir = mkdtempSync(join(tmpdir(), 'lpts-fake-orch-'));
  const tls = await ensureTlsCert(dir);
  const signer = localTicketSigner(o.privateKey);
  const secret = randomBytes(32);
  const app = Fastify({ ...orchestratorServerOptions(tls), logger: false });
  // close() must not wait for a gateway's idle HTTP/2 session to time out (10 min, as go-livepeer).
  const connections = trackConnections(app.server as unknown as Http2SecureServer);
  const state: FakeOrchestrator = {
    url: '',
    address: signer.address,
    jobs: [],
    discoveries: 0,
    failWith: o.failWith,
    close: async () => {
      const closing = app.close();
      connections.closeAll(500);
      await closing;
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const perCapability: [number, [string, { warm: boolean; capacity: number }][]][] = [];
  for (const [pipeline, model] of Object.entries(o.models)) {
    const cap = pipelineToCapability(pipeline);
    if (cap === undefined) throw new Error(`bad pipeline ${pipeline}`);
    perCapability.push([cap, [[model, { warm: true, capacity: 4 }]]]);
  }
  const caps = makeCapabilities({
    capabilities: [...defaultCapabilities(), ...perCapability.map(([c]) => c)],
    mandatories: mandatoryOCapabilities(),
    perCapability,
    capacities: perCapability.map(([c]) => [c, 4] as [number, number]),
  });

  await registerOrchestratorService(app, {
    async getOrchestrator(req): Promise<OrchestratorInfo> {
      const sender = verifyOrchestratorRequest(req);
      state.discoveries++;
      const info = create(OrchestratorInfoSchema, {
        transcoder: state.url,
        priceInfo: priceInfoToWire(o.price),
        address: fromHex(signer.address, 'address', 20),
        capabilities: capabilitiesToWire(caps),
        authToken: createAuthToken(secret),
      });
      if (o.chain) {
        const pc = o.chain.publicClient;
        const block = await pc.getBlockNumber();
        const round = await pc.readContract({ address: o.chain.roundsManager, abi: roundsManagerAbi, functionName: 'lastInitializedRound' });
        const hash = (await pc.readContract({ address: o.chain.roundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] })) as Hex32;
        info.ticketParams = ticketParamsToWire({
          recipient: signer.address,
          faceValue: o.chain.faceValue,
          winProb: computeWinProb(o.chain.faceValue, o.chain.ev),
          recipientRandHash: `0x${randomBytes(32).toString('hex')}`,
          seed: BigInt(`0x${randomBytes(16).toString('hex')}`),
          expirationBlock: block + 40n,
          price: o.price,
          expirationParams: { creationRound: round, creationRoundBlockHash: hash },
        });
      }
      void sender;
      return info;
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  for (const pipeline of Object.keys(o.runners)) {
    app.post(`/${pipeline}`, async (req, reply) => {
      const payment = paymentFromWire(decodePaymentHeader(req.headers[PAYMENT_HEADER.toLowerCase()]));
      const seg = verifySegmentCredentials(req.headers[SEGMENT_HEADER.toLowerCase()], { sender: payment.sender, authSecret: secret });
      const ticketsSignedBySender = payment.tickets.every(({ ticket, sig }) => {
        const r = recoverSigner(ticketHashBytes(ticket), sig);
        return 'signer' in r && r.signer === payment.sender;
      });
      const job: RecordedJob = {
        pipeline,
        authorization: req.headers.authorization,
        contentType: String(req.headers['content-type'] ?? ''),
        body: req.body as Buffer,
        payment,
        seg,
        ticketsSignedBySender,
        status: 0,
      };
      state.jobs.push(job);
      if (state.failWith) {
        job.status = state.failWith.status;
        return reply.code(state.failWith.status).type('text/plain').send(state.failWith.message);
      }
      const res = await fetch(`${o.runners[pipeline]}/${pipeline}`, { method: 'POST', headers: { 'content-type': job.contentType }, body: job.body });
      job.status = res.status;
      reply.code(res.status).header('content-type', res.headers.get('content-type') ?? 'application/json');
      if (!res.body) return reply.send('');
      return reply.send(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream));
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  state.url = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return state;
}

export { Capability };
