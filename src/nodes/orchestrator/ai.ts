// The AI batch routes, in go-livepeer's handleAIRequest order (selection-ai §5.3): body (400) →
// Livepeer-Payment (402) → Livepeer-Segment (403) → units → manifest "<cap>_<model>" → capacity
// slot (503, released on every exit path) → tickets (400) → balance (400) → runner (503/4xx/500)
// → debit units × price → the runner's JSON (or SSE for a streaming llm).
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { LlmRequest } from '../../ai/index.js';
import { RunnerClient, RunnerStatusError, RunnerTimeoutError, RunnerUnreachableError } from '../../ai/index.js';
import type { Balances } from '../../billing/index.js';
import type { PriceInfo } from '../../money/index.js';
import { priceFromRat, priceRat } from '../../money/index.js';
import type { Capabilities } from '../../market/index.js';
import { pipelineToCapability } from '../../market/index.js';
import type { Recipient } from '../../pm/index.js';
import { PAYMENT_HEADER, SEGMENT_HEADER } from '../../wire/index.js';
import type { CapacityTracker, Lease } from './capacity.js';
import { OrchestratorError } from './errors.js';
import { ORCHESTRATOR_PIPELINES, parseJob, type OrchestratorPipeline, type ParsedJob } from './jobs.js';
import type { OrchestratorPricing } from './pricing.js';
import { ZERO_PRICE } from './pricing.js';
import type { StatsCollector } from './stats.js';
import { decodePayment, processPayment, verifySegment } from './verify.js';

export interface AiRouteDeps {
  offchain: boolean;
  recipient: Recipient | undefined;
  balances: Balances;
  pricing: OrchestratorPricing;
  capacity: CapacityTracker;
  capabilities: () => Capabilities;
  authSecret: Uint8Array;
  stats: StatsCollector;
  log: Logger;
}

function runnerError(err: unknown): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof RunnerUnreachableError || err instanceof RunnerTimeoutError) {
    return new OrchestratorError('RUNNER_UNAVAILABLE', 503, `runner unavailable: ${msg}`, { cause: err });
  }
  if (err instanceof RunnerStatusError && err.status >= 400 && err.status < 500) {
    return new OrchestratorError('RUNNER_REJECTED', err.status, err.runnerMessage, { cause: err });
  }
  return new OrchestratorError('RUNNER_FAILED', 500, msg, { cause: err });
}

function sendError(reply: FastifyReply, err: OrchestratorError): FastifyReply {
  return reply.status(err.status).type('text/plain; charset=utf-8').send(`${err.message}\n`);
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
    deps.stats.refusal(status === 500 ? 'INTERNAL' : 'BAD_REQUEST');
    return reply.status(status).type('text/plain; charset=utf-8').send(`${err.message}\n`);
  });

  const handle = async (pipeline: OrchestratorPipeline, req: FastifyRequest, reply: FastifyReply) => {
    let lease: Lease | undefined;
    let streaming = false;
    try {
      const job = await parseJob(pipeline, req);
      const payment = decodePayment(req.headers[PAYMENT_HEADER.toLowerCase()], deps.offchain);
      verifySegment(req.headers[SEGMENT_HEADER.toLowerCase()], {
        sender: payment.sender,
        offchain: deps.offchain,
        authSecret: deps.authSecret,
        orchCaps: deps.capabilities(),
      });
      const cap = pipelineToCapability(pipeline)!;
      const manifest = `${cap}_${job.modelId}`;
      lease = deps.capacity.acquire(cap, job.modelId);
      if (!lease) throw new OrchestratorError('INSUFFICIENT_CAPACITY', 503, 'insufficient capacity');
      let price: PriceInfo = ZERO_PRICE;
      const sender = payment.sender;
      if (!deps.offchain && deps.recipient) {
        await processPayment(payment, manifest, { recipient: deps.recipient, balances: deps.balances, stats: deps.stats });
        // The price is ours, never the gateway's claim: the one fixed by the first ticketed payment
        // (bound to our params by the HMAC), else our current price for this sender.
        const fixed = sender ? deps.balances.fixedPrice(sender, manifest) : undefined;
        price = fixed ? priceFromRat(fixed) : deps.pricing.forJob(sender, cap, job.modelId);
        if (price.pricePerUnit > 0n) {
          const bal = sender ? deps.balances.balance(sender, manifest) : undefined;
          if (!sender || !bal || bal.lt(deps.recipient.ev())) {
            throw new OrchestratorError('INSUFFICIENT_BALANCE', 400, 'Insufficient balance');
          }
        }
      }
      const runner = client(lease.runner.url, lease.runner.token);
      const fee = priceRat(price).mul(job.units);
      const debit = () => {
        if (!fee.isZero() && sender) deps.balances.debit(sender, manifest, fee);
        deps.stats.job(pipeline, job.units, fee);
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
        throw runnerError(err);
      }
      debit();
      return reply.status(200).send(result);
    } catch (err) {
      const e = err instanceof OrchestratorError ? err : runnerError(err);
      deps.stats.refusal(e.code === 'PAYMENT_REJECTED' && e.reason ? e.reason : e.code);
      if (e.status >= 500) deps.log.warn({ pipeline, code: e.code, err: e.message }, 'AI request failed');
      else deps.log.debug({ pipeline, code: e.code, err: e.message }, 'AI request refused');
      if (streaming && reply.sent) return reply;
      return sendError(reply, e);
    } finally {
      lease?.release();
    }
  };

  for (const p of ORCHESTRATOR_PIPELINES) {
    app.post(`/${p}`, (req, reply) => handle(p, req, reply));
  }
}

/** SSE: the first chunk is awaited before any header is sent, so runner errors keep their status. */
async function streamLlm(reply: FastifyReply, runner: RunnerClient, job: ParsedJob, debit: () => void, lease: Lease, log: Logger): Promise<FastifyReply> {
  const it = runner.streamLlm(job.body as LlmRequest)[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await it.next();
  } catch (err) {
    lease.release();
    throw runnerError(err);
  }
  debit();
  // A client that goes away before the stream starts must not leak the slot (release is idempotent).
  reply.raw.once('close', () => lease.release());
  async function* events(): AsyncGenerator<string> {
    try {
      if (!first.done) yield `data: ${JSON.stringify(first.value)}\n\n`;
      for (;;) {
        const n = await it.next();
        if (n.done) break;
        yield `data: ${JSON.stringify(n.value)}\n\n`;
      }
      yield 'data: [DONE]\n\n';
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'llm stream failed mid-way');
      yield `data: ${JSON.stringify({ error: { message: (err as Error).message } })}\n\n`;
    } finally {
      lease.release();
      await it.return?.(undefined);
    }
  }
  return reply.status(200).header('content-type', 'text/event-stream').header('cache-control', 'no-cache').send(Readable.from(events()));
}
