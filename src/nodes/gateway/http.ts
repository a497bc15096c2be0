// The client HTTP API (go-livepeer server/ai_mediaserver.go): POST /<pipeline> with JSON or
// multipart bodies, the runner's response shapes passed through, errors as {"error":{"message"}}
// with 400 (bad request), 503 (no orchestrator; message "Service Unavailable Error" as go-livepeer)
// or 500 ("Internal Server Error"), and llm SSE streaming.
import multipart from '@fastify/multipart';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { limitJsonDepth } from '../common/index.js';
import { GatewayError, UnauthorizedError } from './errors.js';
import { JSON_PIPELINES, MULTIPART_PIPELINES, parseJsonJob, parseMultipartJob } from './jobs.js';
import type { JobRunner } from './run.js';

export interface ClientApiOptions {
  runner: JobRunner;
  log: Logger;
  authToken: string | undefined;
  bodyLimitBytes: number;
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

function tokenOk(req: FastifyRequest, token: string): boolean {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/.exec(h);
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function buildClientApi(o: ClientApiOptions): Promise<FastifyInstance> {
  // Per-request logs only at debug/trace; otherwise the client API logs warnings and errors.
  const level = o.log.level === 'debug' || o.log.level === 'trace' || o.log.level === 'silent' ? o.log.level : 'warn';
  const apiLog = o.log.child({ component: 'client-api' }, { level });
  const app: FastifyInstance = Fastify({ loggerInstance: apiLog as unknown as FastifyInstance['log'], bodyLimit: o.bodyLimitBytes });
  await app.register(multipart, { limits: { fileSize: o.bodyLimitBytes, files: 4, fields: 64 } });
  limitJsonDepth(app);

  if (o.authToken !== undefined) {
    const token = o.authToken;
    app.addHook('onRequest', async (req) => {
      if (!tokenOk(req, token)) throw new UnauthorizedError();
    });
  }

  app.setErrorHandler((err: FastifyError | GatewayError | Error, req, reply) => {
    if (err instanceof GatewayError) {
      if (err.status === 400 || err.status === 401) return sendError(reply, err.status, err.message, { code: err.code });
      if (err.status === 503) {
        req.log.warn({ code: err.code }, err.message);
        return sendError(reply, 503, 'Service Unavailable Error', { code: err.code, reason: err.message });
      }
      req.log.error({ code: err.code }, err.message);
      return sendError(reply, 500, 'Internal Server Error');
    }
    const status = (err as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return sendError(reply, 400, err.message);
    req.log.error({ err }, 'gateway request failed');
    return sendError(reply, 500, 'Internal Server Error');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no such endpoint: ${req.method} ${req.url}`));

  for (const pipeline of JSON_PIPELINES) {
    app.post(`/${pipeline}`, async (req, reply) => {
      const job = parseJsonJob(pipeline, req);
      await o.runner.run(job, reply);
      return reply;
    });
  }
  for (const pipeline of MULTIPART_PIPELINES) {
    app.post(`/${pipeline}`, async (req, reply) => {
      const job = await parseMultipartJob(pipeline, req);
      await o.runner.run(job, reply);
      return reply;
    });
  }
  return app;
}
