// One job, end to end: select an orchestrator, pay, forward, classify the answer by code
// (attempt-failure.ts), and on failure act as the code says: answer the client (its request is
// bad), refresh a stale session, or retry on ANOTHER orchestrator (bounded), suspending a broken one.
// A client that goes away cancels the job: the request to the orchestrator is aborted (it stops the
// runner and frees the slot), the payment settled, nothing retried or held against anyone.
import type { Logger } from 'pino';
import type { FastifyReply } from 'fastify';
import type { Rat } from '../../money/index.js';
import { aiJobCapabilities, pipelineToCapability } from '../../market/index.js';
import { capabilitiesToWire, type AbortSignalLike } from '../common/index.js';
import { refusalFromHeaders } from '../../wire/index.js';
import { attemptAction, classifyFailure, classifyPaymentError } from './attempt-failure.js';
import { BadRequestError, ClientGoneError, NoOrchestratorsError, OrchestratorAttemptError, PaymentTooLargeError } from './errors.js';
import type { Forwarder, OrchestratorResponse } from './forward.js';
import type { ParsedJob } from './jobs.js';
import { PaymentError, paymentTarget, type PaymentSender, type PreparedPayment } from './payment.js';
import type { JobTarget, OrchestratorSession, SessionPool } from './sessions.js';
import type { GatewayMarket, MarketView } from './market.js';
import { JobPriceRefusals, type StatsRecorder } from './stats.js';
import { noUsableOrchestratorMessage } from './unavailable.js';
import { clientGone, errorMessage, notTried, senderFundsError, writable } from './run-support.js';

export interface JobRunnerDeps {
  pool: SessionPool;
  market: GatewayMarket;
  /**
   * go-livepeer -aiProcessingRetryTimeout: no new attempt (failover) starts once the job has run
   * this long; an attempt in progress is never cut by it.
   */
  retryTimeoutMs: number;
  payer: PaymentSender;
  forwarder: Forwarder;
  stats: StatsRecorder;
  log: Logger;
  maxAttempts: number;
  /** When every orchestrator answered "insufficient capacity": how many times to wait and retry them, and how long to wait. */
  capacityWaits: number;
  capacityWaitMs: number;
  maxPriceFor(pipeline: string, modelId: string): Rat | undefined;
  /** Deadline of one attempt (headers and body) for a job of this pipeline. */
  requestTimeoutMs(pipeline: string): number;
}

export function jobTarget(job: ParsedJob, maxPrice: Rat | undefined): JobTarget {
  const capability = pipelineToCapability(job.pipeline);
  if (capability === undefined) throw new BadRequestError(`unknown pipeline ${job.pipeline}`);
  const capabilities = aiJobCapabilities(job.pipeline, job.modelId);
  return { pipeline: job.pipeline, modelId: job.modelId, capability, capabilities, capabilitiesWire: capabilitiesToWire(capabilities), maxPrice };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** (pipeline, model) targets kept built; model ids are the client's, so the oldest go past this. */
export const JOB_TARGET_CACHE_ENTRIES = 1024;

export class JobRunner {
  /** A model's capabilities (and their wire form) are the same for every job: built once, not per job. */
  private readonly targets = new Map<string, JobTarget>();

  constructor(private readonly d: JobRunnerDeps) {}

  private target(job: ParsedJob): JobTarget {
    const maxPrice = this.d.maxPriceFor(job.pipeline, job.modelId);
    const key = `${job.pipeline}\n${job.modelId}`;
    let t = this.targets.get(key);
    if (!t) {
      t = jobTarget(job, undefined);
      this.targets.set(key, t);
      if (this.targets.size > JOB_TARGET_CACHE_ENTRIES) this.targets.delete(this.targets.keys().next().value!);
    }
    return { ...t, maxPrice };
  }

  /** Runs the job and writes the client's answer. Throws GatewayError for the client error paths. */
  async run(job: ParsedJob, reply: FastifyReply): Promise<void> {
    const target = this.target(job);
    const tried = new Set<string>();
    const failures: string[] = [];
    let onlyTooCostly = true;
    // Every failure so far was this gateway's own funding shortfall (its reason, the first one seen).
    let senderFunds: { reason: string; message: string } | undefined;
    let onlySenderFunds = true;
    const manifestId = `${target.capability}_${job.modelId}`;
    let sameOrchRetries = 0;
    let capacityWaits = 0;
    const busy = new Set<string>();
    const gone = clientGone(reply.raw);
    const started = performance.now();
    let view: MarketView | undefined;
    let budgetSpent = false;
    const priceRefusals = new JobPriceRefusals(this.d.stats);
    // A refresh retry goes back to the same orchestrator with fresh params (bounded below).
    let prefer: string | undefined;
    try {
      for (let attempt = 0; attempt < this.d.maxAttempts; ) {
        if (gone.signal.aborted) throw new ClientGoneError();
        if (attempt > 0 && performance.now() - started > this.d.retryTimeoutMs) {
          budgetSpent = true;
          break;
        }
        const pick = await this.d.market.pick(target, { tried, ...(job.filter ? { filter: job.filter } : {}), ...(job.sessionKey === undefined ? {} : { sessionKey: job.sessionKey }), ...(prefer === undefined ? {} : { prefer }), signal: gone.signal });
        prefer = undefined;
        // The client left while the orchestrators were being asked: nobody to answer.
        if (gone.signal.aborted) throw new ClientGoneError();
        view = pick;
        // From the evaluation's counts: the rejected list (thousands of objects) is not built per pick.
        priceRefusals.count(pick.evaluation);
        const sess = pick.chosen?.session;
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
        const outcome = await this.attempt(sess, job, target, manifestId, reply, gone.signal);
        if (outcome === 'done') return;
        // The client left meanwhile: whatever the attempt's end, no retry and no verdict on the orchestrator.
        if (gone.signal.aborted) throw new ClientGoneError();
        failures.push(`${sess.url}: ${outcome.message}`);
        if (outcome.kind !== 'too-costly') onlyTooCostly = false;
        if (outcome.kind === 'sender-funds') senderFunds ??= { reason: outcome.remoteReason ?? outcome.remoteCode ?? 'INSUFFICIENT_SENDER_FUNDS', message: outcome.message };
        else onlySenderFunds = false;
        const action = attemptAction(outcome.kind);
        if (action.retry === 'answer-client') throw new BadRequestError(outcome.message, { cause: outcome });
        if (action.retry === 'refresh') {
          this.d.pool.invalidate(sess, target);
          if (sameOrchRetries < 2) {
            sameOrchRetries++;
            prefer = sess.url;
            continue;
          }
        }
        tried.add(sess.url);
        // Not suspended, but its params or token were refused (or our funds fell short of its face
        // value): the next job asks it for fresh ones.
        if (outcome.kind === 'payment' || outcome.kind === 'sender-funds') this.d.pool.invalidate(sess, target);
        if (action.busy) busy.add(sess.url);
        if (action.suspend) {
          this.d.pool.suspend(sess.url, target.capability, outcome.remoteCode ?? `GW_ORCH_${outcome.kind.toUpperCase()}`);
          this.d.market.unstick(sess.url);
        }
      }
    } catch (err) {
      this.d.stats.jobFailed(job.pipeline);
      if (err instanceof ClientGoneError) this.d.stats.refusal(err.code);
      throw err;
    } finally {
      gone.dispose();
    }
    this.d.stats.jobFailed(job.pipeline);
    // Every orchestrator tried would be paid more than one payment may carry: the job is too large.
    if (failures.length > 0 && onlyTooCostly) throw new PaymentTooLargeError(`the job is too large to pay for: ${failures.join('; ')}`);
    // Our deposit or reserve share fell short everywhere (or every orchestrator refused us params for it).
    const refusedFunds = failures.length === 0 ? this.d.pool.senderFundsRefusal(target) : undefined;
    if (senderFunds && onlySenderFunds) throw senderFundsError(senderFunds.reason, failures);
    if (refusedFunds?.senderFunds) throw senderFundsError(refusedFunds.senderFunds, [refusedFunds.message]);
    const budget = budgetSpent ? ` (no new attempt after the ${this.d.retryTimeoutMs} ms retry budget, -aiProcessingRetryTimeout)` : '';
    throw new NoOrchestratorsError(
      failures.length === 0
        ? noUsableOrchestratorMessage(job.pipeline, job.modelId, view?.evaluation)
        : `no orchestrator could run ${job.pipeline}/${job.modelId}${budget}: ${failures.join('; ')}${notTried(view)}`,
      failures,
    );
  }

  private async attempt(
    sess: OrchestratorSession,
    job: ParsedJob,
    target: JobTarget,
    manifestId: string,
    reply: FastifyReply,
    signal: AbortSignalLike,
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
      res = await this.d.forwarder.post(url, { ...paid.headers, 'content-type': job.contentType }, job.body, { signal, timeoutMs: this.d.requestTimeoutMs(job.pipeline) });
    } catch (err) {
      // No answer at all: the request may never have arrived, so nothing is counted as credited.
      if (signal.aborted) {
        this.d.payer.settle(paid, 'refused');
        throw new ClientGoneError();
      }
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
        return this.attempt(sess, job, target, manifestId, reply, signal, true);
      }
      return this.failed(sess, paid, new OrchestratorAttemptError(failure, sess.url, res.status, `${url} returned ${res.status}: ${message}`));
    }
    const contentType = res.headers['content-type'] ?? 'application/json';
    if (job.stream && contentType.includes('text/event-stream')) {
      await this.stream(sess, job, paid, res, reply, signal);
      return 'done';
    }
    let body: Buffer;
    try {
      body = await res.buffer();
    } catch (err) {
      // The orchestrator ran (and debited) the job but the answer was lost: count it as paid.
      this.d.payer.settle(paid, 'received');
      this.d.stats.jobCut(sess.url, paid.fee);
      if (signal.aborted) throw new ClientGoneError();
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
    this.d.market.stick(job.sessionKey, sess.url);
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

  /**
   * llm streaming: pass the orchestrator's SSE through; the job counts as done when the stream ends.
   * Writes wait for the client to take more (backpressure reaches the orchestrator through HTTP/2
   * flow control), or for its connection to close, which aborts the stream to the orchestrator.
   */
  private async stream(sess: OrchestratorSession, job: ParsedJob, paid: PreparedPayment, res: OrchestratorResponse, reply: FastifyReply, signal: AbortSignalLike): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    try {
      for await (const chunk of res.body) {
        if (!raw.write(chunk)) await writable(raw);
        if (signal.aborted) throw new ClientGoneError();
      }
      this.succeeded(sess, job, paid);
    } catch (err) {
      // Cut mid-stream: the orchestrator debited the job at its first chunk; count the credit as spent.
      this.d.payer.settle(paid, 'received');
      this.d.stats.jobCut(sess.url, paid.fee);
      this.d.stats.jobFailed(job.pipeline);
      if (signal.aborted) {
        this.d.stats.refusal('GW_CLIENT_GONE');
        this.d.log.debug({ orchestrator: sess.url }, 'llm stream cancelled: the client went away');
      } else {
        this.d.stats.attemptFailed(sess.url, 'GW_STREAM_BROKEN');
        this.d.log.warn({ orchestrator: sess.url }, `llm stream broke: ${(err as Error).message}`);
      }
    } finally {
      raw.end();
    }
  }
}

