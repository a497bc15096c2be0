// One job, end to end: select an orchestrator, pay, forward, classify the answer by code
// (attempt-failure.ts), and on failure act as the code says: answer the client (its request is
// bad), refresh a stale session, or retry on ANOTHER orchestrator (bounded), suspending a broken one.
import type { Logger } from 'pino';
import type { FastifyReply } from 'fastify';
import type { Rat } from '../../money/index.js';
import { aiJobCapabilities, pipelineToCapability } from '../../market/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { refusalFromHeaders } from '../../wire/index.js';
import { attemptAction, classifyFailure, classifyPaymentError } from './attempt-failure.js';
import { BadRequestError, NoOrchestratorsError, OrchestratorAttemptError } from './errors.js';
import type { Forwarder, OrchestratorResponse } from './forward.js';
import type { ParsedJob } from './jobs.js';
import { PaymentError, paymentTarget, type PaymentSender, type PreparedPayment } from './payment.js';
import type { JobTarget, OrchestratorSession, SessionPool } from './sessions.js';
import type { StatsRecorder } from './stats.js';
import { noUsableOrchestratorMessage } from './unavailable.js';

export interface JobRunnerDeps {
  pool: SessionPool;
  payer: PaymentSender;
  forwarder: Forwarder;
  stats: StatsRecorder;
  log: Logger;
  maxAttempts: number;
  /** When every orchestrator answered "insufficient capacity": how many times to wait and retry them, and how long to wait. */
  capacityWaits: number;
  capacityWaitMs: number;
  maxPriceFor(pipeline: string, modelId: string): Rat | undefined;
}

export function jobTarget(job: ParsedJob, maxPrice: Rat | undefined): JobTarget {
  const capability = pipelineToCapability(job.pipeline);
  if (capability === undefined) throw new BadRequestError(`unknown pipeline ${job.pipeline}`);
  const capabilities = aiJobCapabilities(job.pipeline, job.modelId);
  return { pipeline: job.pipeline, modelId: job.modelId, capability, capabilities, capabilitiesWire: capabilitiesToWire(capabilities), maxPrice };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class JobRunner {
  constructor(private readonly d: JobRunnerDeps) {}

  /** Runs the job and writes the client's answer. Throws GatewayError for the client error paths. */
  async run(job: ParsedJob, reply: FastifyReply): Promise<void> {
    const target = jobTarget(job, this.d.maxPriceFor(job.pipeline, job.modelId));
    const tried = new Set<string>();
    const failures: string[] = [];
    let onlyTooCostly = true;
    const manifestId = `${target.capability}_${job.modelId}`;
    let sameOrchRetries = 0;
    let capacityWaits = 0;
    const busy = new Set<string>();
    try {
      for (let attempt = 0; attempt < this.d.maxAttempts; ) {
        const sess = await this.d.pool.select(target, tried);
        if (!sess) {
          // Every usable orchestrator is busy: wait a little and try them again (bounded, like
          // go-livepeer's 2 s retry budget) instead of failing the job at once.
          if (busy.size === 0 || capacityWaits >= this.d.capacityWaits) break;
          capacityWaits++;
          await sleep(this.d.capacityWaitMs);
          for (const u of busy) tried.delete(u);
          busy.clear();
          continue;
        }
        this.d.stats.attempt(sess.url, attempt > 0);
        attempt++;
        const outcome = await this.attempt(sess, job, target, manifestId, reply);
        if (outcome === 'done') return;
        failures.push(`${sess.url}: ${outcome.message}`);
        if (outcome.kind !== 'too-costly') onlyTooCostly = false;
        const action = attemptAction(outcome.kind);
        if (action.retry === 'answer-client') throw new BadRequestError(outcome.message, { cause: outcome });
        if (action.retry === 'refresh') {
          this.d.pool.invalidate(sess, target);
          if (sameOrchRetries < 2) {
            sameOrchRetries++;
            continue;
          }
        }
        tried.add(sess.url);
        // Not suspended, but its params or token were refused: the next job asks it for fresh ones.
        if (outcome.kind === 'payment') this.d.pool.invalidate(sess, target);
        if (action.busy) busy.add(sess.url);
        if (action.suspend) this.d.pool.suspend(sess.url, target.capability);
      }
    } catch (err) {
      this.d.stats.jobFailed(job.pipeline);
      throw err;
    }
    this.d.stats.jobFailed(job.pipeline);
    // Every orchestrator tried would be paid more than one payment may carry: the job is too large.
    if (failures.length > 0 && onlyTooCostly) throw new BadRequestError(`the job is too large to pay for: ${failures.join('; ')}`);
    throw new NoOrchestratorsError(
      failures.length === 0
        ? noUsableOrchestratorMessage(job.pipeline, job.modelId, this.d.pool.unusable(target))
        : `no orchestrator could run ${job.pipeline}/${job.modelId}: ${failures.join('; ')}`,
      failures,
    );
  }

  private async attempt(
    sess: OrchestratorSession,
    job: ParsedJob,
    target: JobTarget,
    manifestId: string,
    reply: FastifyReply,
    confirmedCreditOnly = false,
  ): Promise<'done' | OrchestratorAttemptError> {
    let paid: PreparedPayment;
    try {
      paid = await this.d.payer.prepare(paymentTarget(sess), { units: job.units, capabilities: target.capabilitiesWire, manifestId, confirmedCreditOnly });
    } catch (err) {
      if (!(err instanceof PaymentError)) throw err;
      this.d.stats.attemptFailed(sess.url, err.code);
      this.d.pool.invalidate(sess, target);
      return new OrchestratorAttemptError(classifyPaymentError(err.code), sess.url, undefined, err.message, { cause: err });
    }
    this.d.stats.ticketsSent(sess.url, paid.numTickets, paid.ticketEV, paid.faceValue);
    const url = `${sess.transcoder}/${job.pipeline}`;
    let res: OrchestratorResponse;
    try {
      paid.sent();
      res = await this.d.forwarder.post(url, { ...paid.headers, 'content-type': job.contentType }, job.body);
    } catch (err) {
      // No answer at all: the request may never have arrived, so nothing is counted as credited.
      const failure = { kind: 'unreachable', credited: false } as const;
      return this.failed(sess, paid, new OrchestratorAttemptError(failure, sess.url, undefined, (err as Error).message, { cause: err }));
    }
    if (res.status < 200 || res.status >= 300) {
      let text = '';
      try {
        text = (await res.text(64 * 1024)).trim();
      } catch {
        res.discard();
      }
      const message = errorMessage(text) || `HTTP ${res.status}`;
      const failure = classifyFailure(res.status, refusalFromHeaders(res.headers), message);
      if (!confirmedCreditOnly && failure.remoteCode === 'INSUFFICIENT_BALANCE') {
        // The credit counted on was not there (still in flight, or the orchestrator lost it):
        // pay again from acknowledged credit only, on the same orchestrator, once.
        this.d.payer.settle(paid, 'insufficient-balance');
        return this.attempt(sess, job, target, manifestId, reply, true);
      }
      return this.failed(sess, paid, new OrchestratorAttemptError(failure, sess.url, res.status, `${url} returned ${res.status}: ${message}`));
    }
    const contentType = res.headers['content-type'] ?? 'application/json';
    if (job.stream && contentType.includes('text/event-stream')) {
      await this.stream(sess, job, paid, res, reply);
      return 'done';
    }
    let body: Buffer;
    try {
      body = await res.buffer();
    } catch (err) {
      // The orchestrator ran (and debited) the job but the answer was lost: count it as paid.
      this.d.payer.settle(paid, 'received');
      const failure = { kind: 'server', credited: true } as const;
      return this.failed(sess, undefined, new OrchestratorAttemptError(failure, sess.url, res.status, `reading the answer from ${url} failed: ${(err as Error).message}`));
    }
    this.succeeded(sess, job, paid);
    await reply.code(200).header('content-type', contentType).send(body);
    return 'done';
  }

  private succeeded(sess: OrchestratorSession, job: ParsedJob, paid: PreparedPayment): void {
    const capability = pipelineToCapability(job.pipeline);
    if (capability !== undefined) this.d.pool.succeeded(sess.url, capability);
    this.d.payer.settle(paid, 'received');
    this.d.stats.jobOk(sess.url, job.pipeline, job.units, paid.fee);
  }

  private failed(sess: OrchestratorSession, paid: PreparedPayment | undefined, err: OrchestratorAttemptError): OrchestratorAttemptError {
    if (paid) {
      const credited = err.paymentCredited;
      // "Insufficient balance": billing's ledger resets what it counted on rather than add this credit.
      this.d.payer.settle(paid, err.remoteCode === 'INSUFFICIENT_BALANCE' ? 'insufficient-balance' : credited ? 'credited' : 'refused');
      if (!credited) this.d.stats.ticketsRefused(sess.url, paid.numTickets, paid.ticketEV);
    }
    this.d.stats.attemptFailed(sess.url, `GW_ORCH_${err.kind.toUpperCase().replaceAll('-', '_')}`);
    this.d.log.warn({ orchestrator: sess.url, kind: err.kind, status: err.upstreamStatus, code: err.remoteCode, reason: err.remoteReason }, err.message);
    return err;
  }

  /** llm streaming: pass the orchestrator's SSE through; the job counts as done when the stream ends. */
  private async stream(sess: OrchestratorSession, job: ParsedJob, paid: PreparedPayment, res: OrchestratorResponse, reply: FastifyReply): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    try {
      for await (const chunk of res.body) {
        if (!raw.write(chunk as Buffer)) await new Promise<void>((r) => raw.once('drain', r));
      }
      this.succeeded(sess, job, paid);
    } catch (err) {
      // Cut mid-stream: the orchestrator ran the job; count the credit as spent.
      this.d.payer.settle(paid, 'received');
      this.d.stats.attemptFailed(sess.url, 'GW_STREAM_BROKEN');
      this.d.stats.jobFailed(job.pipeline);
      this.d.log.warn({ orchestrator: sess.url }, `llm stream broke: ${(err as Error).message}`);
    } finally {
      raw.end();
    }
  }
}

/** The orchestrator's error text: plain text (go-livepeer) or a JSON error shape. */
function errorMessage(text: string): string {
  if (!text.startsWith('{')) return text.slice(0, 2000);
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: { msg?: unknown } | unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (j.error && typeof j.error.message === 'string') return j.error.message;
    if (j.detail && typeof (j.detail as { msg?: unknown }).msg === 'string') return (j.detail as { msg: string }).msg;
    if (typeof j.message === 'string') return j.message;
  } catch {
    /* not JSON after all */
  }
  return text.slice(0, 2000);
}

