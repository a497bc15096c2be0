// The signer's HTTP layer on node:http (or node:https with a certificate): go-livepeer's routes with
// Go 1.22 method patterns (POST /sign-orchestrator-info, POST /generate-live-payment, GET
// /discover-orchestrators with -remoteDiscovery; a known path with another method → 405 with
// `Allow`, anything else → 404, both with Go's text bodies), plus GET /metrics. In front of the
// service: the bearer token (-authToken, constant-time), a bounded body (413 while it arrives), a
// body deadline (408), a JSON nesting bound (400 before parsing). Answers use go-livepeer's error
// envelope `{"error":{"message"}}` (500 → "Internal Server Error", 503 → "Service Unavailable
// Error", whatever the message was) with our `code` inside, and the outcome's extra headers
// (Livepeer-Orchestrator-URL on 480). Nothing per request beyond the body's buffers and the parsed
// JSON (the AbortController only when the service asks for the signal): the hot path is route
// lookup, read, parse, call, write.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errorCode, isLivepeerError } from '../../errors/index.js';
import { jsonDeeperThan } from '../common/index.js';
import { SIGNER_PATHS, type RemoteSignerService, type SignerErrorBodyWire, type SignerOutcome } from '../../signer/index.js';
import { PROMETHEUS_CONTENT_TYPE, type SignerMetrics, type SignerRoute } from './metrics.js';
import type { DiscoveryAnswer } from './discovery.js';

/** An OrchestratorInfo (price, ticket params, auth token, capabilities), a state and capabilities are a few KB; 1 MiB is > 100× that. */
export const SIGNER_MAX_BODY_BYTES = 1024 * 1024;
/** The deepest honest body is 3 levels (body → state / maxPrice → field); 16 leaves room for extra keys. */
export const SIGNER_MAX_JSON_DEPTH = 16;
/** A refused body may drain this long before its connection is destroyed (the client reads our answer, not a reset). */
const LINGER_MS = 2000;

export interface SignerHttpOptions {
  service: RemoteSignerService;
  metrics: SignerMetrics;
  log: Logger;
  authToken?: string | undefined;
  /** Present with -remoteDiscovery. */
  discovery?: { orchestrators(caps: readonly string[], signal: AbortSignal): Promise<DiscoveryAnswer> } | undefined;
  bodyTimeoutMs: number;
  maxBodyBytes?: number;
  maxJsonDepth?: number;
}

type Route = { route: SignerRoute; method: 'GET' | 'POST' };

const GO_500 = 'Internal Server Error';
const GO_503 = 'Service Unavailable Error';

/** go-livepeer handleAPIError: the message of a 500 and a 503 is replaced. */
export function goMessage(status: number, message: string): string {
  return status === 500 ? GO_500 : status === 503 ? GO_503 : message;
}

function errorBody(status: number, message: string, code: string | undefined): SignerErrorBodyWire {
  return { error: { message: goMessage(status, message), ...(code === undefined ? {} : { code }) } };
}

function writeJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  // Go's json.Encoder ends the document with a newline.
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Go's http.Error: text/plain, nosniff, the text and a newline. */
function writeGoText(res: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  const body = `${text}\n`;
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** After a refusal with the body still arriving: drop the rest, close once answered, destroy after a linger. */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.setHeader('Connection', 'close');
  req.removeAllListeners('data');
  req.resume();
  res.once('finish', () => {
    if (req.complete) return;
    setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
  });
}

type BodyResult = { ok: true; text: string } | { ok: false; status: 408 | 413; code: string; message: string };

/** Reads the body up to `max` bytes within `timeoutMs`; a declared Content-Length above `max` is refused at once. */
function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    return Promise.resolve({ ok: false, status: 413, code: 'SIGNER_REQUEST_TOO_LARGE', message: `request body of ${declared} bytes is above the signer's limit of ${max} bytes` });
  }
  if (req.complete && req.readableLength === 0) return Promise.resolve({ ok: true, text: '' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) finish({ ok: false, status: 413, code: 'SIGNER_REQUEST_TOO_LARGE', message: `request body is above the signer's limit of ${max} bytes` });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') });
    const onError = (): void => finish({ ok: false, status: 408, code: 'SIGNER_REQUEST_TIMEOUT', message: 'request body did not arrive' });
    const timer = setTimeout(() => finish({ ok: false, status: 408, code: 'SIGNER_REQUEST_TIMEOUT', message: `request body not complete within ${timeoutMs} ms` }), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export function createSignerRequestHandler(o: SignerHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const max = o.maxBodyBytes ?? SIGNER_MAX_BODY_BYTES;
  const depth = o.maxJsonDepth ?? SIGNER_MAX_JSON_DEPTH;
  const tokenDigest = o.authToken === undefined ? undefined : createHash('sha256').update(o.authToken).digest();
  const routes = new Map<string, Route>([
    [SIGNER_PATHS.signOrchestratorInfo, { route: 'sign-orchestrator-info', method: 'POST' }],
    [SIGNER_PATHS.generateLivePayment, { route: 'generate-live-payment', method: 'POST' }],
    ['/metrics', { route: 'metrics', method: 'GET' }],
  ]);
  if (o.discovery) routes.set(SIGNER_PATHS.discoverOrchestrators, { route: 'discover-orchestrators', method: 'GET' });
  const debug = o.log.isLevelEnabled('debug');

  const authorized = (req: IncomingMessage): boolean => {
    if (!tokenDigest) return true;
    const h = req.headers.authorization;
    if (h === undefined || !h.startsWith('Bearer ')) return false;
    // Digests of equal length: the comparison takes the same time whatever the token's length or content.
    return timingSafeEqual(createHash('sha256').update(h.slice(7)).digest(), tokenDigest);
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, t0: number, route: SignerRoute, status: number, code: string, message: string, close = false): void => {
    if (close) closeAfterAnswer(req, res);
    o.metrics.request(route, status, performance.now() - t0);
    writeJson(res, status, errorBody(status, message, code));
  };

  const generate = async (req: IncomingMessage, res: ServerResponse, t0: number, text: string): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      refuse(req, res, t0, 'generate-live-payment', 400, 'SIGNER_BAD_JSON', `invalid JSON body: ${(err as Error).message}`);
      return;
    }
    // The call's AbortSignal is made only when something asks for it (the webhook client does; a
    // signer without one never does), aborted at once when the client already left.
    let ac: AbortController | undefined;
    let gone = false;
    const onClose = (): void => {
      if (res.writableFinished) return;
      gone = true;
      ac?.abort(new Error('client closed the request'));
    };
    res.once('close', onClose);
    const ctx = {
      headers: req.headers,
      get signal(): AbortSignal {
        if (!ac) {
          ac = new AbortController();
          if (gone) ac.abort(new Error('client closed the request'));
        }
        return ac.signal;
      },
    };
    let outcome: SignerOutcome;
    try {
      outcome = await o.service.generateLivePayment(body, ctx);
    } catch (err) {
      const status = isLivepeerError(err) && err.status !== undefined ? err.status : 500;
      if (status >= 500) o.log.error({ err, code: errorCode(err) }, 'generate-live-payment failed');
      outcome = { status, body: errorBody(status, (err as Error).message, errorCode(err) ?? 'SIGNER_INTERNAL') };
    } finally {
      res.off('close', onClose);
    }
    if (res.destroyed) return;
    o.metrics.request('generate-live-payment', outcome.status, performance.now() - t0);
    if (outcome.status !== 200) {
      const b = outcome.body as SignerErrorBodyWire;
      if (b?.error && (outcome.status === 500 || outcome.status === 503)) b.error.message = goMessage(outcome.status, b.error.message);
    }
    writeJson(res, outcome.status, outcome.body, outcome.headers);
  };

  const discover = async (req: IncomingMessage, res: ServerResponse, t0: number, query: string): Promise<void> => {
    const caps = new URLSearchParams(query).getAll('caps').filter((c) => c !== '');
    const ac = new AbortController();
    const onClose = (): void => ac.abort(new Error('client closed the request'));
    res.once('close', onClose);
    try {
      const answer = await o.discovery!.orchestrators(caps, ac.signal);
      if (res.destroyed) return;
      if (answer.empty) {
        refuse(req, res, t0, 'discover-orchestrators', 503, 'SIGNER_DISCOVERY_EMPTY', 'cache empty');
        return;
      }
      o.metrics.request('discover-orchestrators', 200, performance.now() - t0);
      writeJson(res, 200, answer.orchestrators);
    } catch (err) {
      o.log.error({ err }, 'discover-orchestrators failed');
      if (!res.destroyed) refuse(req, res, t0, 'discover-orchestrators', 500, errorCode(err) ?? 'SIGNER_INTERNAL', (err as Error).message);
    } finally {
      res.off('close', onClose);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t0 = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const r = routes.get(path);
    if (debug) o.log.debug({ method: req.method, path }, 'signer request');
    if (!r) {
      o.metrics.request('other', 404, performance.now() - t0);
      closeAfterAnswer(req, res);
      writeGoText(res, 404, '404 page not found');
      return;
    }
    // Go 1.22's "GET /x" pattern also serves HEAD.
    if (req.method !== r.method && !(r.method === 'GET' && req.method === 'HEAD')) {
      o.metrics.request(r.route, 405, performance.now() - t0);
      closeAfterAnswer(req, res);
      writeGoText(res, 405, 'Method Not Allowed', { Allow: r.method === 'GET' ? 'GET, HEAD' : 'POST' });
      return;
    }
    if (!authorized(req)) {
      refuse(req, res, t0, r.route, 401, 'SIGNER_UNAUTHORIZED', 'missing or wrong bearer token (Authorization: Bearer <-authToken>)', true);
      return;
    }
    if (r.method === 'GET') {
      if (r.route === 'metrics') {
        const text = await o.metrics.text();
        o.metrics.request('metrics', 200, performance.now() - t0);
        res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      await discover(req, res, t0, q < 0 ? '' : url.slice(q + 1));
      return;
    }
    const body = await readBody(req, max, o.bodyTimeoutMs);
    if (!body.ok) {
      refuse(req, res, t0, r.route, body.status, body.code, body.message, true);
      return;
    }
    if (r.route === 'sign-orchestrator-info') {
      // The body is ignored (go-livepeer's gateway sends none, livepeer-python-gateway `{}`).
      let info;
      try {
        info = o.service.signOrchestratorInfo();
      } catch (err) {
        o.log.error({ err }, 'sign-orchestrator-info failed');
        refuse(req, res, t0, r.route, 500, errorCode(err) ?? 'SIGNER_INTERNAL', (err as Error).message);
        return;
      }
      o.metrics.request(r.route, 200, performance.now() - t0);
      writeJson(res, 200, info);
      return;
    }
    if (jsonDeeperThan(body.text, depth)) {
      refuse(req, res, t0, r.route, 400, 'SIGNER_BAD_JSON', `JSON body is nested more than ${depth} levels deep`);
      return;
    }
    await generate(req, res, t0, body.text);
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log.error({ err }, 'signer request failed');
      if (!res.headersSent && !res.destroyed) writeJson(res, 500, errorBody(500, GO_500, 'SIGNER_INTERNAL'));
      else res.destroy();
    });
  };
}
