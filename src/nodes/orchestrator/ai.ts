// The AI batch routes, in go-livepeer's handleAIRequest order (selection-ai §5.3): body (400) →
// Livepeer-Payment (402) → Livepeer-Segment (403) → units → capacity slot (503, released on every
// exit path) → price, tickets, balance for (sender, "<cap>_<model>") (400) → runner (503/4xx/500)
// → debit units × price → the runner's JSON (or SSE for a streaming llm). The money steps are
// billing's PaymentReceiver; this file only composes them. A request whose stream closes before its
// answer (the gateway cancelled it, or died) aborts its runner request and frees its slot at once.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { LlmRequest, LlmResponse } from '../../ai/index.js';
import { RunnerClient, RunnerStatusError, isMultipartBody, RunnerTimeoutError, RunnerUnreachableError, goContainerErrorText, llmErrorChunk } from '../../ai/index.js';
import { BillingError, type JobCharge, type PaymentReceiver } from '../../billing/index.js';
import type { Capabilities } from '../../market/index.js';
import { pipelineToCapability } from '../../market/index.js';
import { PAYMENT_HEADER, SEGMENT_HEADER, refusalHeaders, runnerRefusalCode } from '../../wire/index.js';
import { LazyAbort, UNPAID_RETRY_AFTER_S, discardRequestBody, guardRequestBody, routeBodyLimit, type BodyRefusal, type RequestGate } from '../common/index.js';
import type { CapacityTracker, Lease } from './capacity.js';
import { OrchestratorError } from './errors.js';
import { ORCHESTRATOR_PIPELINES, readJob, takesJson, type OrchestratorPipeline, type ParsedJob, type ReadJob } from './jobs.js';
import type { StatsCollector } from './stats.js';
import { SegmentVerifier } from './verify.js';
import { checkSegmentForJob } from './segjob.js';

export interface AiRouteDeps {
  offchain: boolean;
  payments: PaymentReceiver;
  capacity: CapacityTracker;
  capabilities: () => Capabilities;
  authSecret: Uint8Array;
  stats: StatsCollector;
  log: Logger;
  /** Body limit of the multipart routes; JSON routes take min(this, MAX_JSON_BODY_BYTES). */
  maxBodyBytes: number;
  /** A body idle this long is answered 408 BODY_TIMEOUT (reason idle); the timer stops once the body is read. */
  bodyIdleTimeoutMs: number;
  /** A body not complete this long after its headers is answered 408 BODY_TIMEOUT (reason total). */
  bodyTimeoutMs: number;
  /** Requests admitted until their payment is validated (or they end); above it, 503 TOO_MANY_UNPAID_REQUESTS. */
  unpaid: RequestGate;
}

export { MAX_JSON_BODY_BYTES } from '../common/index.js';

/**
 * A runner failure as go-livepeer answers it: 500 "<pipeline> container returned <status>: <msg>",
 * whatever the runner's status (a Go gateway reads "returned 400" as the client's fault). The code
 * says which it was: RUNNER_REJECTED for the runner's 4xx, RUNNER_FAILED otherwise.
 */
function runnerError(err: unknown, pipeline: OrchestratorPipeline): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  if (err instanceof BillingError) return new OrchestratorError(err.code, err.status, err.message, { reason: err.reason, fatal: err.fatal, cause: err });
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof RunnerUnreachableError || err instanceof RunnerTimeoutError) {
    return new OrchestratorError('RUNNER_UNAVAILABLE', 503, `runner unavailable: ${msg}`, { cause: err });
  }
  if (err instanceof RunnerStatusError) {
    // The runner refusing the request itself is the client's; its 401 (our token) or 5xx are ours.
    const code = runnerRefusalCode(err.status);
    return new OrchestratorError(code, 500, goContainerErrorText(pipeline, err.status, err.runnerMessage, err.body), { cause: err, reason: `RUNNER_${err.status}` });
  }
  return new OrchestratorError('RUNNER_FAILED', 500, msg, { cause: err });
}

/**
 * Answers a refusal as go-livepeer's http.Error does (status, text/plain "<message>\n", nosniff),
 * so a Go gateway reads the same text, with the code in Livepeer-Error-Code (and the finer reason
 * in Livepeer-Error-Reason): src/wire/refusal.ts says why headers and not a JSON body.
 */
export function sendError(reply: FastifyReply, status: number, code: string, message: string, reason?: string): FastifyReply {
  return reply
    .status(status)
    .headers({ ...refusalHeaders(code, reason), 'x-content-type-options': 'nosniff' })
    .type('text/plain; charset=utf-8')
    .send(`${message}\n`);
}

/** The 413 / 408 answer to a body refused while it was read (src/nodes/common/body-guard.ts). */
export function bodyRefusal(why: BodyRefusal, path: string): { status: number; code: 'REQUEST_TOO_LARGE' | 'BODY_TIMEOUT'; message: string; reason?: string } {
  if (why.kind === 'too-large') {
    const size = why.declared ? `${why.bytes} bytes` : `more than ${why.limit} bytes`;
    return { status: 413, code: 'REQUEST_TOO_LARGE', message: `request body too large: ${size} is above the ${path} limit of ${why.limit}` };
  }
  const message = why.kind === 'idle' ? `request body timeout: no bytes for ${why.ms} ms` : `request body timeout: not complete within ${why.ms} ms`;
  return { status: 408, code: 'BODY_TIMEOUT', message, reason: why.kind };
}

const PAYMENT_HEADER_KEY = PAYMENT_HEADER.toLowerCase();
const SEGMENT_HEADER_KEY = SEGMENT_HEADER.toLowerCase();

/** The payment has been validated: the request no longer counts against -maxUnpaidRequests. */
const paid = new WeakMap<FastifyRequest, () => void>();

/** The request's payment is validated: it stops counting against -maxUnpaidRequests. */
export function markPaid(req: FastifyRequest): void {
  paid.get(req)?.();
}

/**
 * The onRequest hook of a paid route: before a byte of the body is read, the unpaid-request cap,
 * then the body's size and time bounds (a declared length at once, the rest while it arrives),
 * all before the payment.
 */
export function admitUnpaid(
  deps: Pick<AiRouteDeps, 'unpaid' | 'stats' | 'bodyIdleTimeoutMs' | 'bodyTimeoutMs'>,
  path: string,
  bodyLimit: number,
): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async (req, reply) => {
    const release = deps.unpaid.enter(reply);
    if (!release) {
      deps.stats.refusal('TOO_MANY_UNPAID_REQUESTS');
      discardRequestBody(req, reply);
      reply.header('retry-after', String(UNPAID_RETRY_AFTER_S));
      return sendError(reply, 503, 'TOO_MANY_UNPAID_REQUESTS', `too many unpaid requests in flight (${deps.unpaid.max}): retry after ${UNPAID_RETRY_AFTER_S} s`);
    }
    paid.set(req, release);
    guardRequestBody(req, reply, {
      maxBytes: bodyLimit,
      idleMs: deps.bodyIdleTimeoutMs,
      totalMs: deps.bodyTimeoutMs,
      refuse: (r, why) => {
        const a = bodyRefusal(why, path);
        deps.stats.refusal(a.code);
        sendError(r, a.status, a.code, a.message, a.reason);
      },
    });
    return undefined;
  };
}

/** Where a job's answer goes: fastify's reply, or a raw HTTP/2 stream (fast-jobs.ts). */
export interface JobIO {
  /** An answer is out already (a body refused while it was read). */
  readonly sent: boolean;
  /** Calls `fn` when the caller's stream closes before the answer is complete; returns the unsubscribe. */
  onGone(fn: () => void): () => void;
  /** 200 with a JSON answer: bytes relayed as they are, or an object to encode. */
  json(body: Buffer | object): void;
  /** A refusal, as sendError answers it. */
  error(status: number, code: string, message: string, reason?: string): void;
  /** 200 text/event-stream from `events`. */
  sse(events: Readable): void;
}

/** What every job of a server shares. */
export interface JobContext {
  deps: AiRouteDeps;
  segments: SegmentVerifier;
  compatCaps: () => Capabilities;
  client: (url: string, token: string | undefined) => RunnerClient;
}

function fastifyIO(reply: FastifyReply): JobIO {
  return {
    get sent() {
      return reply.sent;
    },
    onGone(fn) {
      const onClose = (): void => {
        if (!reply.raw.writableEnded) fn();
      };
      reply.raw.once('close', onClose);
      return () => reply.raw.off('close', onClose);
    },
    json(body) {
      if (Buffer.isBuffer(body)) void reply.status(200).header('content-type', JSON_CONTENT_TYPE).send(body);
      else void reply.status(200).send(body);
    },
    error(status, code, message, reason) {
      sendError(reply, status, code, message, reason);
    },
    sse(events) {
      void reply.status(200).header('content-type', 'text/event-stream').header('cache-control', 'no-cache').send(events);
    },
  };
}

/** The content type fastify gives a JSON answer; relayed answers keep it. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * One AI job, in go-livepeer's handleAIRequest order, whichever transport carries it. `rawBody`:
 * the request's JSON bytes when the transport kept them (relayed to the runner as they are).
 */
export async function serveJob(
  ctx: JobContext,
  pipeline: OrchestratorPipeline,
  headers: Record<string, string | string[] | undefined>,
  read: () => Promise<ReadJob>,
  io: JobIO,
  markPaid: () => void,
  rawBody?: Buffer,
): Promise<void> {
  const { deps } = ctx;
  let lease: Lease | undefined;
  let charge: JobCharge | undefined;
  let streaming = false;
  // The caller went away (RST_STREAM, or its connection closed) before the answer was out. (A
  // LazyAbort: an AbortController per job cost more than the rest of the job's bookkeeping.)
  const gone = new LazyAbort();
  const offGone = io.onGone(() => {
    gone.abort();
    deps.stats.aborted(pipeline);
  });
  try {
    const { countUnits, ...job } = await read();
    const payment = deps.payments.decode(headers[PAYMENT_HEADER_KEY]);
    const cap = pipelineToCapability(pipeline)!;
    const seg = ctx.segments.verify(headers[SEGMENT_HEADER_KEY], payment.sender, ctx.compatCaps());
    checkSegmentForJob(seg, cap, job.modelId);
    const units = await countUnits();
    lease = deps.capacity.acquire(cap, job.modelId);
    if (!lease) throw new OrchestratorError('INSUFFICIENT_CAPACITY', 503, 'insufficient capacity');
    charge = await deps.payments.charge(payment, { capability: cap, modelId: job.modelId, units });
    markPaid();
    const runner = ctx.client(lease.runner.url, lease.runner.token);
    const accepted = charge;
    const debit = () => {
      accepted.debit();
      deps.stats.job(pipeline, units, accepted.fee);
    };
    if (job.stream) {
      const held = lease;
      lease = undefined;
      streaming = true;
      await streamLlm(io, runner, { ...job, units }, debit, held, deps.log, gone.signal);
      return;
    }
    let result: Buffer | unknown;
    try {
      // A JSON answer is only passed on: relayed as the runner's bytes (checked to be JSON), not
      // decoded, validated and encoded again.
      result = isMultipartBody(job.body)
        ? await runner.run(pipeline, job.body, { signal: gone.signal })
        : await runner.relayJson(pipeline, rawBody ?? Buffer.from(JSON.stringify(job.body)), { signal: gone });
    } catch (err) {
      throw runnerError(err, pipeline);
    }
    debit();
    io.json(result as Buffer | object);
  } catch (err) {
    // Answered already while the body was read (413 / 408): what the abandoned read threw is not news.
    if (io.sent && !streaming) return;
    if (gone.aborted) {
      // Nobody to answer; the runner request was aborted and the slot is released below.
      deps.log.debug({ pipeline }, 'AI request cancelled by the caller');
      return;
    }
    const e = err instanceof OrchestratorError ? err : runnerError(err, pipeline);
    deps.stats.refusal(e.code === 'PAYMENT_REJECTED' && e.reason ? e.reason : e.code);
    if (e.status >= 500) deps.log.warn({ pipeline, code: e.code, err: e.message }, 'AI request failed');
    else deps.log.debug({ pipeline, code: e.code, err: e.message }, 'AI request refused');
    if (streaming && io.sent) return;
    io.error(e.status, e.code, e.message, e.reason);
  } finally {
    lease?.release();
    // A job that did not get to its debit was not charged (no-op after the debit).
    charge?.release();
    if (!streaming) offGone();
  }
}

/** Registers the AI routes; returns what their jobs share, for the raw HTTP/2 path (fast-jobs.ts). */
export async function registerAiRoutes(app: FastifyInstance, deps: AiRouteDeps): Promise<JobContext> {
  const clients = new Map<string, RunnerClient>();
  const client = (url: string, token: string | undefined): RunnerClient => {
    let c = clients.get(url);
    if (!c) {
      c = new RunnerClient({ url, token });
      clients.set(url, c);
    }
    return c;
  };
  const segments = new SegmentVerifier({ offchain: deps.offchain, authSecret: deps.authSecret });
  // The capability check reads versions, models, warmth and mandatories, never the live capacity
  // (nor anything else that changes after start): one snapshot serves every job.
  let staticCaps: Capabilities | undefined;
  const compatCaps = (): Capabilities => (staticCaps ??= deps.capabilities());
  // Their kept-alive connections go with the server.
  app.addHook('onClose', async () => {
    for (const c of clients.values()) c.close();
  });

  // Fastify's own body errors (bad JSON, too large) as plain text too.
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const code = status === 413 ? 'REQUEST_TOO_LARGE' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
    deps.stats.refusal(code);
    return sendError(reply, status, code, err.message);
  });

  const ctx: JobContext = { deps, segments, compatCaps, client };
  const handle = async (pipeline: OrchestratorPipeline, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    await serveJob(ctx, pipeline, req.headers, () => readJob(pipeline, req), fastifyIO(reply), () => markPaid(req));
    return reply;
  };

  for (const p of ORCHESTRATOR_PIPELINES) {
    const bodyLimit = routeBodyLimit(takesJson(p), deps.maxBodyBytes);
    app.post(`/${p}`, {
      bodyLimit,
      // Before a byte of the body is read: the unpaid-request cap, then the body's size and time
      // bounds (a declared length at once, the rest while it arrives), all before the payment.
      onRequest: admitUnpaid(deps, `/${p}`, bodyLimit),
    }, (req, reply) => handle(p, req, reply));
  }
  return ctx;
}

/**
 * SSE as go-livepeer's orchestrator streams it: `data: <chunk>` frames, each a chat-completion
 * chunk with at least one choice (a Go gateway reads choices[0] of every frame and panics
 * otherwise), ending at the first finish_reason, no [DONE]. The first chunk is awaited before any
 * header is sent, so a runner that fails at once keeps its status. A failure after that ends the
 * stream with one more chunk, finish_reason "error" and an `error` object (a Go gateway stops at
 * the finish_reason and ignores the extra field).
 */
async function streamLlm(io: JobIO, runner: RunnerClient, job: ParsedJob, debit: () => void, lease: Lease, log: Logger, signal: AbortSignal): Promise<void> {
  const it = runner.streamLlm(job.body as LlmRequest, { signal })[Symbol.asyncIterator]();
  let first: IteratorResult<LlmResponse>;
  try {
    first = await it.next();
  } catch (err) {
    lease.release();
    throw runnerError(err, 'llm');
  }
  debit();
  // A client that goes away before the stream starts must not leak the slot (release is idempotent).
  io.onGone(() => lease.release());
  async function* events(): AsyncGenerator<string> {
    let last: LlmResponse | undefined;
    try {
      for (let n = first; !n.done; n = await it.next()) {
        last = n.value;
        yield `data: ${JSON.stringify(n.value)}\n\n`;
        if (n.value.choices.some((c) => c.finish_reason)) return;
      }
    } catch (err) {
      // Cancelled by the caller: no one to tell.
      if (signal.aborted) return;
      const e = runnerError(err, 'llm');
      log.warn({ code: e.code, err: e.message }, 'llm stream failed mid-way');
      yield `data: ${JSON.stringify(llmErrorChunk(last, e.message, e.code))}\n\n`;
    } finally {
      lease.release();
      await it.return?.(undefined);
    }
  }
  io.sse(Readable.from(events()));
}
