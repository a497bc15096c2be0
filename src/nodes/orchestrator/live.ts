// The live video-to-video routes, in go-livepeer's order (server/ai_http.go StartLiveVideoToVideo,
// server/segment_rpc.go Payment):
//   POST /live-video-to-video: body (400) → capacity (503 "insufficient capacity") → Livepeer-Payment
//     (402) → Livepeer-Segment (403) → tickets credited to (sender, <new manifest id>), price, balance
//     (400) → the four trickle channels → the runner (500) → {publish_url, subscribe_url,
//     control_url, events_url, manifest_id} under <service URI>/ai/trickle/.
//   /payment (any method): Livepeer-Payment (402) → Livepeer-Segment (403) → the live stream its
//     manifest id names (400) → fresh ticket params (500) → tickets credited to the stream (400) →
//     200 with a binary PaymentResult{info}.
// The stream's life after the start is live-session.ts; its per-second debits are billing's.
import { randomBytes } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Address } from 'viem';
import { LIVE_PIXELS_PER_MS, type Balances, type JobCharge, type PaymentReceiver } from '../../billing/index.js';
import { BillingError } from '../../billing/index.js';
import { Capability, type Capabilities } from '../../market/index.js';
import { Rat } from '../../money/index.js';
import { PAYMENT_HEADER, PaymentResultSchema, SEGMENT_HEADER } from '../../wire/index.js';
import { MAX_JSON_BODY_BYTES, type RequestGate } from '../common/index.js';
import { admitUnpaid, markPaid, sendError } from './ai.js';
import type { CapacityTracker, Lease } from './capacity.js';
import { OrchestratorError } from './errors.js';
import { startLiveRunner, overwriteHost } from './live-runner.js';
import type { LiveStreams } from './live-session.js';
import { ZERO_PRICE } from './pricing.js';
import { paymentResultInfo, type RpcDeps } from './rpc.js';
import type { StatsCollector } from './stats.js';
import { SegmentVerifier } from './verify.js';

/** go-livepeer's TrickleHTTPPath, where the channels are served on the HTTPS port. */
export const LIVE_TRICKLE_PATH = '/ai/trickle/';
/** How long the runner has to accept a start (a go-livepeer gateway gives the whole start 5 s). */
export const DEFAULT_LIVE_RUNNER_START_TIMEOUT_MS = 10_000;
/** Largest body of a live start (model id, params, ids). */
export const LIVE_START_BODY_BYTES = Math.min(MAX_JSON_BODY_BYTES, 1024 * 1024);

export interface LiveRouteDeps {
  offchain: boolean;
  payments: PaymentReceiver;
  balances: Balances;
  streams: LiveStreams;
  capacity: CapacityTracker;
  capabilities: () => Capabilities;
  authSecret: Uint8Array;
  stats: StatsCollector;
  log: Logger;
  /** For the /payment reply's OrchestratorInfo. */
  info: Pick<RpcDeps, 'offchain' | 'transcoderUrl' | 'signer' | 'address' | 'recipient' | 'capabilities'>;
  /** -liveAITrickleHostForRunner: host[:port] the runner reaches the trickle channels at. */
  trickleHostForRunner?: string;
  runnerStartTimeoutMs?: number;
  unpaid: RequestGate;
  bodyIdleTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** go-livepeer's RandomManifestID: hex of 4 random bytes. */
export function newManifestId(taken: (mid: string) => boolean): string {
  for (;;) {
    const mid = randomBytes(4).toString('hex');
    if (!taken(mid)) return mid;
  }
}

interface StartBody {
  modelId: string;
  params: Record<string, unknown> | undefined;
  gatewayRequestId: string | undefined;
  streamId: string | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body go-livepeer's gateway sends: {model_id, params, gateway_request_id, stream_id}. */
function readStartBody(body: unknown): StartBody {
  const bad = (m: string) => new OrchestratorError('BAD_REQUEST', 400, m);
  if (!isObject(body)) throw bad('request body must be a JSON object {model_id, params, gateway_request_id, stream_id}');
  const { model_id, params, gateway_request_id, stream_id } = body;
  if (typeof model_id !== 'string' || model_id === '') throw bad('model_id is required');
  if (params !== undefined && params !== null && !isObject(params)) throw bad('params must be a JSON object');
  for (const [k, v] of [['gateway_request_id', gateway_request_id], ['stream_id', stream_id]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'string') throw bad(`${k} must be a string`);
  }
  return {
    modelId: model_id,
    params: isObject(params) ? params : undefined,
    gatewayRequestId: typeof gateway_request_id === 'string' && gateway_request_id !== '' ? gateway_request_id : undefined,
    streamId: typeof stream_id === 'string' && stream_id !== '' ? stream_id : undefined,
  };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

function asOrchestratorError(err: unknown): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  if (err instanceof BillingError) return new OrchestratorError(err.code, err.status, err.message, { reason: err.reason, fatal: err.fatal, cause: err });
  return new OrchestratorError('INTERNAL', 500, err instanceof Error ? err.message : String(err), { cause: err });
}

export async function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): Promise<void> {
  const segments = new SegmentVerifier({ offchain: deps.offchain, authSecret: deps.authSecret });
  let staticCaps: Capabilities | undefined;
  const compatCaps = (): Capabilities => (staticCaps ??= deps.capabilities());
  const refuse = (reply: FastifyReply, err: unknown, what: string) => {
    const e = asOrchestratorError(err);
    deps.stats.refusal(e.code === 'PAYMENT_REJECTED' && e.reason ? e.reason : e.code);
    if (e.status >= 500) deps.log.warn({ code: e.code, err: e.message }, `${what} failed`);
    else deps.log.debug({ code: e.code, err: e.message }, `${what} refused`);
    return sendError(reply, e.status, e.code, e.message, e.reason);
  };

  app.post('/live-video-to-video', { bodyLimit: LIVE_START_BODY_BYTES, onRequest: admitUnpaid(deps, '/live-video-to-video', LIVE_START_BODY_BYTES) }, async (req, reply) => {
    let lease: Lease | undefined;
    let charge: JobCharge | undefined;
    try {
      const body = readStartBody(req.body);
      // The legacy headers, overridden by the body (go-livepeer).
      const streamId = body.streamId ?? header(req, 'streamID') ?? '';
      const gatewayRequestId = body.gatewayRequestId ?? header(req, 'requestID') ?? '';
      const mid = newManifestId((m) => deps.streams.has(m));
      lease = deps.capacity.acquire(Capability.LiveVideoToVideo, body.modelId);
      if (!lease) throw new OrchestratorError('INSUFFICIENT_CAPACITY', 503, 'insufficient capacity');
      const payment = deps.payments.decode(req.headers[PAYMENT_HEADER.toLowerCase()]);
      // The Go gateway signs its start credentials for "35_<model>" and pays a manifest the
      // orchestrator names: the signed manifest id is not checked here (go-livepeer neither).
      segments.verify(req.headers[SEGMENT_HEADER.toLowerCase()], payment.sender, compatCaps());
      charge = await deps.payments.charge(payment, { capability: Capability.LiveVideoToVideo, modelId: body.modelId, units: 0n, manifest: mid });
      markPaid(req);
      const sender = !deps.offchain && payment.sender ? payment.sender : undefined;
      const credited = sender ? (deps.balances.balance(sender, mid) ?? Rat.ZERO) : Rat.ZERO;
      const base = `${deps.info.transcoderUrl()}${LIVE_TRICKLE_PATH}${mid}`;
      const urls = { publish_url: base, subscribe_url: `${base}-out`, control_url: `${base}-control`, events_url: `${base}-events` };
      const runner = lease.runner;
      deps.streams.open({ mid, sender, price: charge.price, credited, lease, modelId: body.modelId });
      lease = undefined; // the stream holds the slot now, until it stops
      const host = deps.trickleHostForRunner;
      try {
        await startLiveRunner(
          runner,
          {
            model_id: body.modelId,
            subscribe_url: overwriteHost(host, urls.publish_url),
            publish_url: overwriteHost(host, urls.subscribe_url),
            control_url: overwriteHost(host, urls.control_url),
            events_url: overwriteHost(host, urls.events_url),
            ...(body.params ? { params: body.params } : {}),
            gateway_request_id: gatewayRequestId,
            manifest_id: mid,
            stream_id: streamId,
          },
          { timeoutMs: deps.runnerStartTimeoutMs ?? DEFAULT_LIVE_RUNNER_START_TIMEOUT_MS },
        );
        deps.streams.running(mid);
      } catch (err) {
        deps.streams.stop(mid, 'runner_failed');
        throw err;
      }
      deps.log.info({ mid, model: body.modelId, streamId, gatewayRequestId, sender, price: `${charge.price.pricePerUnit}/${charge.price.pixelsPerUnit}` }, 'live stream started');
      return reply.status(200).type('application/json').send({ ...urls, manifest_id: mid });
    } catch (err) {
      return refuse(reply, err, 'live start');
    } finally {
      lease?.release();
      charge?.release();
    }
  });

  // /payment with no body parsing: go-livepeer reads nothing of the body, and a Go client sends none.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, _body, done) => done(null, undefined));
    scope.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/payment',
      bodyLimit: 64 * 1024,
      onRequest: admitUnpaid(deps, '/payment', 64 * 1024),
      handler: async (req, reply) => {
        try {
          const payment = deps.payments.decode(req.headers[PAYMENT_HEADER.toLowerCase()]);
          const seg = segments.verify(req.headers[SEGMENT_HEADER.toLowerCase()], payment.sender, compatCaps());
          const mid = Buffer.from(seg.manifestId).toString('utf8');
          const owner = deps.streams.senderOf(mid);
          if (!deps.streams.has(mid) || (owner !== undefined && owner.toLowerCase() !== (payment.sender ?? '').toLowerCase())) {
            // go-livepeer credits any manifest id; a payment for no stream of ours would only
            // grow a balance nothing ever debits.
            throw new OrchestratorError('BAD_REQUEST', 400, `no live stream ${JSON.stringify(mid)} of sender ${payment.sender ?? 'none'} on this orchestrator`, { reason: 'LIVE_STREAM_UNKNOWN' });
          }
          const price = deps.streams.view(mid)?.price ?? ZERO_PRICE;
          let info;
          try {
            info = await paymentResultInfo(deps.info, payment.sender as Address | undefined, price, seg.authToken);
          } catch (err) {
            deps.log.warn({ mid, err: (err as Error).message }, 'cannot issue ticket params for a live payment');
            throw new OrchestratorError('INTERNAL', 500, 'Internal Server Error', { cause: err });
          }
          const credited = await deps.payments.receive(payment, mid);
          markPaid(req);
          deps.streams.noteCredit(mid, credited);
          const bytes = toBinary(PaymentResultSchema, create(PaymentResultSchema, { info }));
          // go-livepeer writes the bytes with no Content-Type (Go then sniffs one); ours is explicit.
          return reply.status(200).type('application/octet-stream').send(Buffer.from(bytes));
        } catch (err) {
          return refuse(reply, err, 'live payment');
        }
      },
    });
  });
}

/** Pixels a stream's billed time stands for (go-livepeer's lv2v units), for the stats. */
export function livePixelsOf(billedMs: bigint): bigint {
  return billedMs * LIVE_PIXELS_PER_MS;
}
