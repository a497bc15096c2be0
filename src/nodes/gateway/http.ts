// The client HTTP API (go-livepeer server/ai_mediaserver.go): POST /<pipeline> with JSON or
// multipart bodies, the runner's response shapes passed through, errors as {"error":{"message"}}
// with 400 (bad request), 503 (no orchestrator; message "Service Unavailable Error" as go-livepeer)
// or 500 ("Internal Server Error"), and llm SSE streaming. Before any orchestrator is asked or paid,
// each request passes the bounds of src/nodes/common (-maxUnpaidRequests: 503; body size: 413;
// idle, total and header deadlines: 408), each answered with its code.
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import {
  RequestGate,
  UNPAID_RETRY_AFTER_S,
  clientErrorHandler,
  discardRequestBody,
  guardRequestBody,
  limitJsonDepth,
  routeBodyLimit,
  setHttp1Timeouts,
  type BodyRefusal,
  type ClientErrorKind,
} from '../common/index.js';
import { BadRequestError, ClientGoneError, GatewayError, SenderFundsError, UnauthorizedError, type GatewayErrorCode } from './errors.js';
import { JSON_PIPELINES, MULTIPART_PIPELINES, parseJsonJob, parseMultipartJob, type ParsedJob } from './jobs.js';
import type { JobRunner } from './run.js';
import type { StatsRecorder } from './stats.js';
import { requestMarket } from './request-market.js';
import type { OrchestratorsTable } from './orchestrators-table.js';

export interface ClientApiLimits {
  /** Multipart routes; JSON routes take min(this, 4 MiB). */
  maxBodyBytes: number;
  bodyIdleTimeoutMs: number;
  bodyTimeoutMs: number;
  headersTimeoutMs: number;
  /** Keep-alive idle timeout. */
  idleTimeoutMs: number;
  maxUnpaidRequests: number;
}

export interface ClientApiOptions {
  runner: JobRunner;
  log: Logger;
  authToken: string | undefined;
  limits: ClientApiLimits;
  stats: StatsRecorder;
  /** GET /orchestrators?pipeline=P&model=M (model optional: the pipeline's default). */
  orchestrators?: (pipeline: string, model: string | undefined) => Promise<OrchestratorsTable>;
}

export interface ClientApi {
  app: FastifyInstance;
  /** Requests being read and counted now (≤ -maxUnpaidRequests). */
  unpaidRequests(): number;
}

/**
 * go-livepeer's error shape. `message` stays go-livepeer's text for clients that match on it; `code`
 * and `reason` are extra fields saying why (e.g. which orchestrator refused and what to change), so a
 * 503 is not a dead end for the operator.
 */
function sendError(reply: FastifyReply, status: number, message: string, detail?: { code: string; reason?: string | undefined }): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json')
    .send({ error: { message, ...(detail ? { code: detail.code, ...(detail.reason === undefined ? {} : { reason: detail.reason }) } : {}) } });
}

type Refusal = { status: number; code: GatewayErrorCode; message: string; reason?: string };

function bodyRefusal(why: BodyRefusal, path: string): Refusal {
  if (why.kind === 'too-large') {
    const size = why.declared ? `${why.bytes} bytes` : `more than ${why.limit} bytes`;
    return { status: 413, code: 'GW_REQUEST_TOO_LARGE', message: `request body too large: ${size} is above the ${path} limit of ${why.limit}` };
  }
  const message = why.kind === 'idle' ? `request body timeout: no bytes for ${why.ms} ms` : `request body timeout: not complete within ${why.ms} ms`;
  return { status: 408, code: 'GW_REQUEST_TIMEOUT', message, reason: why.kind };
}

function connectionRefusal(kind: ClientErrorKind, headersTimeoutMs: number): Refusal {
  if (kind === 'timeout') return { status: 408, code: 'GW_REQUEST_TIMEOUT', message: `request timeout: headers not complete within ${headersTimeoutMs} ms`, reason: 'headers' };
  if (kind === 'headers-too-large') return { status: 431, code: 'GW_REQUEST_TOO_LARGE', message: 'request headers too large', reason: 'headers' };
  return { status: 400, code: 'GW_BAD_REQUEST', message: 'bad request' };
}

function errorBody(r: Refusal): { error: { message: string; code: string; reason?: string } } {
  return { error: { message: r.message, code: r.code, ...(r.reason === undefined ? {} : { reason: r.reason }) } };
}

function tokenOk(req: FastifyRequest, token: string): boolean {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function buildClientApi(o: ClientApiOptions): Promise<ClientApi> {
  // Per-request logs only at debug/trace; otherwise the client API logs warnings and errors.
  const level = o.log.level === 'debug' || o.log.level === 'trace' || o.log.level === 'silent' ? o.log.level : 'warn';
  const apiLog = o.log.child({ component: 'client-api' }, { level });
  const lim = o.limits;
  const perRequest = level === 'debug' || level === 'trace';
  const app: FastifyInstance = Fastify({
    loggerInstance: apiLog as unknown as FastifyInstance['log'],
    // A pino child (request id bindings, redaction set up) per request costs more than the rest of
    // fastify's routing; it only pays off where requests are logged, at debug and trace.
    ...(perRequest ? {} : { childLoggerFactory: (logger: FastifyInstance['log']) => logger }),
    // Its per-request lines are at info, below this logger's level unless perRequest: not even built.
    logController: new LogController({ disableRequestLogging: !perRequest }),
    bodyLimit: lim.maxBodyBytes,
    keepAliveTimeout: lim.idleTimeoutMs,
    requestTimeout: lim.headersTimeoutMs + lim.bodyTimeoutMs,
    clientErrorHandler: clientErrorHandler((kind) => {
      const r = connectionRefusal(kind, lim.headersTimeoutMs);
      o.stats.refusal(r.code);
      return { status: r.status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(errorBody(r)) };
    }),
  });
  setHttp1Timeouts(app.server, { headersTimeoutMs: lim.headersTimeoutMs, bodyTimeoutMs: lim.bodyTimeoutMs, idleTimeoutMs: lim.idleTimeoutMs });
  await app.register(multipart, { limits: { fileSize: lim.maxBodyBytes, files: 4, fields: 64 } });
  limitJsonDepth(app);
  const unpaid = new RequestGate(lim.maxUnpaidRequests);
  /** The job has been read and counted: the request no longer counts against -maxUnpaidRequests. */
  const read = new WeakMap<FastifyRequest, () => void>();

  if (o.authToken !== undefined) {
    const token = o.authToken;
    app.addHook('onRequest', async (req, reply) => {
      if (tokenOk(req, token)) return;
      discardRequestBody(req, reply);
      throw new UnauthorizedError();
    });
  }

  app.setErrorHandler((err: FastifyError | GatewayError | Error, req, reply) => {
    // Nobody is listening any more; the status is for the logs (nginx's "client closed request").
    if (err instanceof ClientGoneError) return reply.code(499).send();
    if (err instanceof GatewayError) {
      // The gateway's own funds fall short: 402 with the shortfall's code, never a 503 that blames the network.
      if (err instanceof SenderFundsError) {
        req.log.warn({ code: err.code, reason: err.reason }, err.message);
        return sendError(reply, 402, err.message, { code: err.code, reason: err.reason });
      }
      if (err.status >= 400 && err.status < 500) return sendError(reply, err.status, err.message, { code: err.code });
      if (err.status === 503) {
        req.log.warn({ code: err.code }, err.message);
        return sendError(reply, 503, 'Service Unavailable Error', { code: err.code, reason: err.message });
      }
      req.log.error({ code: err.code }, err.message);
      return sendError(reply, 500, 'Internal Server Error');
    }
    const status = (err as FastifyError).statusCode;
    // fastify's own body limit (a body it reads itself): the same 413 as the body guard's.
    if (status === 413) return sendError(reply, 413, err.message, { code: 'GW_REQUEST_TOO_LARGE' });
    if (status !== undefined && status >= 400 && status < 500) return sendError(reply, 400, err.message);
    req.log.error({ err }, 'gateway request failed');
    return sendError(reply, 500, 'Internal Server Error');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no such endpoint: ${req.method} ${req.url}`));

  const route = (pipeline: string, json: boolean, parse: (req: FastifyRequest) => ParsedJob | Promise<ParsedJob>) => {
    const bodyLimit = routeBodyLimit(json, lim.maxBodyBytes);
    app.post(`/${pipeline}`, {
      bodyLimit,
      // Before a byte of the body is read, and long before any orchestrator is asked or paid.
      onRequest: async (req, reply) => {
        const release = unpaid.enter(reply);
        if (!release) {
          o.stats.refusal('GW_TOO_MANY_UNPAID_REQUESTS');
          discardRequestBody(req, reply);
          reply.header('retry-after', String(UNPAID_RETRY_AFTER_S));
          return sendError(reply, 503, `too many unpaid requests in flight (${unpaid.max}): retry after ${UNPAID_RETRY_AFTER_S} s`, { code: 'GW_TOO_MANY_UNPAID_REQUESTS' });
        }
        read.set(req, release);
        guardRequestBody(req, reply, {
          maxBytes: bodyLimit,
          idleMs: lim.bodyIdleTimeoutMs,
          totalMs: lim.bodyTimeoutMs,
          refuse: (r, why) => {
            const a = bodyRefusal(why, `/${pipeline}`);
            o.stats.refusal(a.code);
            sendError(r, a.status, a.message, { code: a.code, reason: a.reason });
          },
        });
      },
    }, async (req, reply) => {
      let job: ParsedJob;
      try {
        job = await parse(req);
      } catch (err) {
        // Answered already while the body was read (413 / 408): what the abandoned read threw is not news.
        if (reply.sent) return reply;
        throw err;
      }
      read.get(req)?.();
      Object.assign(job, requestMarket(req.headers));
      await o.runner.run(job, reply);
      return reply;
    });
  };
  const table = o.orchestrators;
  if (table) {
    app.get('/orchestrators', async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      const pipeline = typeof q.pipeline === 'string' ? q.pipeline : '';
      if (pipeline === '') throw new BadRequestError('GET /orchestrators needs ?pipeline=<pipeline>[&model=<model id>]');
      return reply.header('content-type', 'application/json').send(await table(pipeline, typeof q.model === 'string' && q.model !== '' ? q.model : undefined));
    });
  }
  for (const pipeline of JSON_PIPELINES) route(pipeline, true, (req) => parseJsonJob(pipeline, req));
  for (const pipeline of MULTIPART_PIPELINES) route(pipeline, false, (req) => parseMultipartJob(pipeline, req));
  return { app, unpaidRequests: () => unpaid.inFlight };
}
