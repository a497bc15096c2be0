// The AI batch routes, in go-livepeer's handleAIRequest order (selection-ai §5.3): body (400) →
// Livepeer-Payment (402) → Livepeer-Segment (403) → units → capacity slot (503, released on every
// exit path) → price, tickets, balance for (sender, "<cap>_<model>") (400) → runner (503/4xx/500)
// → debit units × price → the runner's JSON (or SSE for a streaming llm). The money steps are
// billing's PaymentReceiver; this file only composes them.
import type { ServerHttp2Stream } from 'node:http2';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { LlmRequest, LlmResponse } from '../../ai/index.js';
import { RunnerClient, RunnerStatusError, RunnerTimeoutError, RunnerUnreachableError, goContainerErrorText, llmErrorChunk } from '../../ai/index.js';
import { BillingError, type JobCharge, type PaymentReceiver } from '../../billing/index.js';
import type { Capabilities } from '../../market/index.js';
import { pipelineToCapability } from '../../market/index.js';
import { PAYMENT_HEADER, SEGMENT_HEADER, refusalHeaders, runnerRefusalCode } from '../../wire/index.js';
import type { CapacityTracker, Lease } from './capacity.js';
import { OrchestratorError } from './errors.js';
import { ORCHESTRATOR_PIPELINES, readJob, takesJson, type OrchestratorPipeline, type ParsedJob } from './jobs.js';
import type { StatsCollector } from './stats.js';
import { verifySegment } from './verify.js';
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
  /** An HTTP/2 body idle this long is answered 408 BODY_TIMEOUT; the timer stops once the body is read. */
  bodyIdleTimeoutMs: number;
}

/** A JSON job (a prompt, an llm conversation of a long context window) is far below this. */
export const MAX_JSON_BODY_BYTES = 4 * 1024 * 1024;

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
function sendError(reply: FastifyReply, status: number, code: string, message: string, reason?: string): FastifyReply {
  return reply
    .status(status)
    .headers({ ...refusalHeaders(code, reason), 'x-content-type-options': 'nosniff' })
    .type('text/plain; charset=utf-8')
    .send(`${message}\n`);
}

/** The HTTP/2 stream under a request (undefined for HTTP/1.1). */
function h2stream(req: FastifyRequest): ServerHttp2Stream | undefined {
  return (req.raw as { stream?: ServerHttp2Stream }).stream;
}

export async function registerAiRoutes(app: FastifyInstance, deps: AiRouteDeps): Promise<void> {
  const clients = new Map<string, RunnerClient>();
  const client = (url: string, token: string | undefined): RunnerClient => {
    let c = clients.get(url);
    if (!c) {
      c = new RunnerClient({ url, token });
      clients.set(url, c);
    }
    return c;
  };

  // Fastify's own body errors (bad JSON, too large) as plain text too.
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const code = status === 413 ? 'REQUEST_TOO_LARGE' : status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
    deps.stats.refusal(code);
    return sendError(reply, status, code, err.message);
  });

  const handle = async (pipeline: OrchestratorPipeline, req: FastifyRequest, reply: FastifyReply) => {
    let lease: Lease | undefined;
    let charge: JobCharge | undefined;
    let streaming = false;
    try {
      const { countUnits, ...read } = await readJob(pipeline, req);
      // The body is in: the runner may take long without a byte either way.
      h2stream(req)?.setTimeout(0);
      const payment = deps.payments.decode(req.headers[PAYMENT_HEADER.toLowerCase()]);
      const seg = verifySegment(req.headers[SEGMENT_HEADER.toLowerCase()], {
        sender: payment.sender,
        offchain: deps.offchain,
        authSecret: deps.authSecret,
        orchCaps: deps.capabilities(),
      });
      checkSegmentForJob(seg, pipelineToCapability(pipeline)!, read.modelId);
      const job: ParsedJob = { ...read, units: await countUnits() };
      const cap = pipelineToCapability(pipeline)!;
      lease = deps.capacity.acquire(cap, job.modelId);
      if (!lease) throw new OrchestratorError('INSUFFICIENT_CAPACITY', 503, 'insufficient capacity');
      charge = await deps.payments.charge(payment, { capability: cap, modelId: job.modelId, units: job.units });
      const runner = client(lease.runner.url, lease.runner.token);
      const accepted = charge;
      const debit = () => {
        accepted.debit();
        deps.stats.job(pipeline, job.units, accepted.fee);
      };
      if (job.stream) {
        const held = lease;
        lease = undefined;
        streaming = true;
        return await streamLlm(reply, runner, job, debit, held, deps.log);
      }
      let result: unknown;
      try {
        result = await runner.run(pipeline, job.body);
      } catch (err) {
        throw runnerError(err, pipeline);
      }
      debit();
      return reply.status(200).send(result);
    } catch (err) {
      const e = err instanceof OrchestratorError ? err : runnerError(err, pipeline);
      deps.stats.refusal(e.code === 'PAYMENT_REJECTED' && e.reason ? e.reason : e.code);
      if (e.status >= 500) deps.log.warn({ pipeline, code: e.code, err: e.message }, 'AI request failed');
      else deps.log.debug({ pipeline, code: e.code, err: e.message }, 'AI request refused');
      if (streaming && reply.sent) return reply;
      return sendError(reply, e.status, e.code, e.message, e.reason);
    } finally {
      lease?.release();
      // A job that did not get to its debit was not charged (no-op after the debit).
      charge?.release();
    }
  };

  for (const p of ORCHESTRATOR_PIPELINES) {
    const bodyLimit = takesJson(p) ? Math.min(deps.maxBodyBytes, MAX_JSON_BODY_BYTES) : deps.maxBodyBytes;
    app.post(`/${p}`, {
      bodyLimit,
      // A declared length above the limit is refused before a byte of the body is read (fastify's
      // bodyLimit stops a body without one, or one that lies, once the limit is crossed).
      onRequest: async (req, reply) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > bodyLimit) {
          deps.stats.refusal('REQUEST_TOO_LARGE');
          return sendError(reply, 413, 'REQUEST_TOO_LARGE', `request body too large: ${declared} bytes is above the /${p} limit of ${bodyLimit}`);
        }
        // HTTP/1 bodies are bounded by node's requestTimeout; an HTTP/2 stream has no such timer.
        const stream = h2stream(req);
        stream?.setTimeout(deps.bodyIdleTimeoutMs, () => {
          if (reply.sent) return;
          deps.stats.refusal('BODY_TIMEOUT');
          sendError(reply, 408, 'BODY_TIMEOUT', `request body timeout: no bytes for ${deps.bodyIdleTimeoutMs} ms`);
          // The client will not finish its body: end the stream once the answer is out.
          setImmediate(() => stream.close());
        });
      },
    }, (req, reply) => handle(p, req, reply));
  }
}

/**
 * SSE as go-livepeer's orchestrator streams it: `data: <chunk>` frames, each a chat-completion
 * chunk with at least one choice (a Go gateway reads choices[0] of every frame and panics
 * otherwise), ending at the first finish_reason, no [DONE]. The first chunk is awaited before any
 * header is sent, so a runner that fails at once keeps its status. A failure after that ends the
 * stream with one more chunk, finish_reason "error" and an `error` object (a Go gateway stops at
 * the finish_reason and ignores the extra field).
 */
async function streamLlm(reply: FastifyReply, runner: RunnerClient, job: ParsedJob, debit: () => void, lease: Lease, log: Logger): Promise<FastifyReply> {
  const it = runner.streamLlm(job.body as LlmRequest)[Symbol.asyncIterator]();
  let first: IteratorResult<LlmResponse>;
  try {
    first = await it.next();
  } catch (err) {
    lease.release();
    throw runnerError(err, 'llm');
  }
  debit();
  // A client that goes away before the stream starts must not leak the slot (release is idempotent).
  reply.raw.once('close', () => lease.release());
  async function* events(): AsyncGenerator<string> {
    let last: LlmResponse | undefined;
    try {
      for (let n = first; !n.done; n = await it.next()) {
        last = n.value;
        yield `data: ${JSON.stringify(n.value)}\n\n`;
        if (n.value.choices.some((c) => c.finish_reason)) return;
      }
    } catch (err) {
      const e = runnerError(err, 'llm');
      log.warn({ code: e.code, err: e.message }, 'llm stream failed mid-way');
      yield `data: ${JSON.stringify(llmErrorChunk(last, e.message, e.code))}\n\n`;
    } finally {
      lease.release();
      await it.return?.(undefined);
    }
  }
  return reply.status(200).header('content-type', 'text/event-stream').header('cache-control', 'no-cache').send(Readable.from(events()));
}
