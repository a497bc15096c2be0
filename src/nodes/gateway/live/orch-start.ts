// Starting a live stream on an orchestrator (go-livepeer processStream → submitLiveVideoToVideo):
// select a session for (live-video-to-video, model), pay the initial amount on it, POST
// <transcoder>/live-video-to-video with {model_id, params, gateway_request_id, stream_id} (5 s),
// and read back the trickle URLs. A refusal is classified by code like a batch job's
// (attempt-failure.ts): busy → another orchestrator; broken → suspended, another; stale params →
// fresh session, same orchestrator (bounded); payment refused → another. Bounded by maxAttempts.
import type { Logger } from 'pino';
import type { Rat } from '../../../money/index.js';
import { aiJobCapabilities, pipelineToCapability } from '../../../market/index.js';
import type { ChainView, Sender } from '../../../pm/index.js';
import type { Hash32Signer } from '../../../wire/index.js';
import { refusalFromHeaders } from '../../../wire/index.js';
import { LIVE_PAYMENT_TIMEOUT_MS, LivePaymentSender, PaymentError, type LivePaymentPost } from '../../../billing/index.js';
import { capabilitiesToWire } from '../../common/index.js';
import { attemptAction, classifyFailure, classifyPaymentError } from '../attempt-failure.js';
import { NoOrchestratorsError } from '../errors.js';
import type { Forwarder } from '../forward.js';
import { paymentTarget } from '../payment.js';
import type { GatewayMarket, MarketView } from '../market.js';
import type { JobTarget, OrchestratorSession, SessionPool } from '../sessions.js';
import { noUsableOrchestratorMessage } from '../unavailable.js';
import { StartReplyError, parseStartReply, type LiveOrchestratorUrls } from './start-reply.js';

export const LIVE_PIPELINE = 'live-video-to-video';
/** go-livepeer's timeout of POST /live-video-to-video. */
export const LIVE_START_TIMEOUT_MS = 5_000;

export interface LiveStartDeps {
  pool: SessionPool;
  /** The gateway's selection (discovery, price limits, stake-weighted choice), as batch jobs use it. */
  market: GatewayMarket;
  forwarder: Forwarder;
  signer: Hash32Signer;
  sender: Sender | undefined;
  chain: ChainView | undefined;
  log: Logger;
  intervalMs: number;
  preloadSeconds: bigint;
  maxTotalEV: bigint;
  maxAttempts: number;
  maxPriceFor(pipeline: string, modelId: string): Rat | undefined;
  /** Remote-signer mode (src/nodes/gateway/signer): makes each attempt's payment sender instead of a local LivePaymentSender. */
  livePayments?(session: OrchestratorSession, target: JobTarget): LivePayments;
}

/** What a stream needs of its payment sender: billing's LivePaymentSender, or the remote signer's. */
export type LivePayments = Pick<LivePaymentSender, 'initialPayment' | 'started' | 'startFailed' | 'segment' | 'final' | 'suspend' | 'stop' | 'idle' | 'totals' | 'snapshot' | 'intervalMs'> & {
  /** Resolves when the payments cannot go on with this orchestrator (the link then ends and the stream swaps). */
  readonly refused?: Promise<{ code: string; message: string }>;
};

export interface LiveStartRequest {
  modelId: string;
  params: Record<string, unknown>;
  streamId: string;
  gatewayRequestId: string;
}

export interface StartedOrchestrator {
  session: OrchestratorSession;
  urls: LiveOrchestratorUrls;
  payments: LivePayments;
}

export function liveTarget(modelId: string, maxPrice: Rat | undefined): JobTarget {
  const capability = pipelineToCapability(LIVE_PIPELINE)!;
  const capabilities = aiJobCapabilities(LIVE_PIPELINE, modelId);
  return { pipeline: LIVE_PIPELINE, modelId, capability, capabilities, capabilitiesWire: capabilitiesToWire(capabilities), maxPrice };
}

/** The live payment sender's POST, over the gateway's HTTP/2 connections to orchestrators. */
export function livePost(forwarder: Forwarder): LivePaymentPost {
  return async (url, headers, signal) => {
    const res = await forwarder.post(url, headers, new Uint8Array(0), { signal, timeoutMs: LIVE_PAYMENT_TIMEOUT_MS });
    return { status: res.status, body: new Uint8Array(await res.buffer(1024 * 1024)) };
  };
}

/** Starts the stream on one orchestrator, trying others as the refusals say; `exclude` grows with each one tried. */
export async function startOnOrchestrator(d: LiveStartDeps, req: LiveStartRequest, exclude: Set<string>, signal?: AbortSignal): Promise<StartedOrchestrator> {
  const target = liveTarget(req.modelId, d.maxPriceFor(LIVE_PIPELINE, req.modelId));
  const failures: string[] = [];
  const body = new TextEncoder().encode(JSON.stringify({ model_id: req.modelId, params: req.params, gateway_request_id: req.gatewayRequestId, stream_id: req.streamId }));
  let refreshes = 0;
  let view: MarketView | undefined;
  for (let attempt = 0; attempt < d.maxAttempts; attempt++) {
    signal?.throwIfAborted();
    const pick = await d.market.pick(target, { tried: exclude, ...(signal ? { signal } : {}) });
    view = pick;
    const sess = pick.chosen?.session;
    if (!sess) break;
    const payments: LivePayments = d.livePayments ? d.livePayments(sess, target) : new LivePaymentSender({
      signer: d.signer,
      sender: d.sender,
      chain: d.chain,
      target: { ...paymentTarget(sess), transcoder: sess.transcoder, ticketParams: sess.ticketParams, capabilities: target.capabilitiesWire },
      post: livePost(d.forwarder),
      intervalMs: d.intervalMs,
      preloadSeconds: d.preloadSeconds,
      maxTotalEV: d.maxTotalEV,
      log: d.log,
    });
    const url = `${sess.transcoder}/${LIVE_PIPELINE}`;
    let headers: Record<string, string>;
    try {
      headers = await payments.initialPayment();
    } catch (err) {
      if (!(err instanceof PaymentError)) throw err;
      const kind = classifyPaymentError(err.code).kind;
      d.pool.invalidate(sess, target);
      failures.push(`${sess.url}: ${err.message}`);
      if (kind !== 'params-expired' || refreshes++ >= 2) exclude.add(sess.url);
      continue;
    }
    let status: number;
    let text: string;
    let resHeaders: Record<string, string>;
    try {
      const res = await d.forwarder.post(url, { ...headers, 'content-type': 'application/json' }, body, { ...(signal ? { signal } : {}), timeoutMs: LIVE_START_TIMEOUT_MS });
      status = res.status;
      resHeaders = res.headers;
      text = await res.text(256 * 1024);
    } catch (err) {
      payments.startFailed();
      signal?.throwIfAborted();
      failures.push(`${url}: ${(err as Error).message}`);
      exclude.add(sess.url);
      d.pool.suspend(sess.url, target.capability);
      continue;
    }
    if (status >= 200 && status < 300) {
      try {
        const urls = parseStartReply(JSON.parse(text), sess.transcoder);
        payments.started(urls.manifestId);
        d.pool.succeeded(sess.url, target.capability);
        return { session: sess, urls, payments };
      } catch (err) {
        payments.startFailed();
        const why = err instanceof StartReplyError ? err.message : `the live start reply is not JSON: ${(err as Error).message}`;
        failures.push(`${url}: ${why}`);
        d.log.warn({ orchestrator: sess.url }, why);
        exclude.add(sess.url);
        d.pool.suspend(sess.url, target.capability);
        continue;
      }
    }
    payments.startFailed();
    const failure = classifyFailure(status, refusalFromHeaders(resHeaders), text.trim().slice(0, 500));
    const action = attemptAction(failure.kind);
    failures.push(`${url} returned ${status}: ${text.trim().slice(0, 300)}`);
    d.log.warn({ orchestrator: sess.url, status, kind: failure.kind, code: failure.remoteCode }, `live start refused: ${text.trim().slice(0, 300)}`);
    if (action.retry === 'answer-client') throw new NoOrchestratorsError(`the live start was refused as a bad request: ${failures.join('; ')}`, failures);
    d.pool.invalidate(sess, target);
    if (action.retry === 'refresh' && refreshes++ < 2) continue;
    exclude.add(sess.url);
    if (action.suspend) d.pool.suspend(sess.url, target.capability);
  }
  throw new NoOrchestratorsError(
    failures.length === 0 ? noUsableOrchestratorMessage(LIVE_PIPELINE, req.modelId, view?.evaluation) : `no orchestrator could start ${LIVE_PIPELINE}/${req.modelId}: ${failures.join('; ')}`,
    failures,
  );
}
