// `npm run bench:trickle`: 1 MB segments relayed publisher → trickle server → subscriber, the server
// mounted as the orchestrator mounts it (fastify HTTP/2 + TLS server with HTTP/1.1 allowed, the
// orchestrator's HTTP/1 timers, client-error answer and gRPC body hook, /ai/trickle/), reached by
// the trickle clients with their default protocol (HTTP/1.1 over TLS; TRICKLE_BENCH_PROTOCOL=http2
// for HTTP/2), against a plain relay measured in the same run: a node HTTP/2 + TLS server of the
// same kind (HTTP/1.1 allowed) that pipes each POST body into the GET waiting for it, reached over
// the same protocol by node's own client. Both sides alternate in rounds.
// Latency: one segment in flight, from the publisher's first write to the subscriber's last byte,
// trickle and plain samples interleaved. Throughput: segments published back to back while the
// subscriber reads them, both sides in each round; the ratio is the median of the rounds' ratios
// (the machine is shared: paired rounds see the same load). The added latency per hop is
// trickle's p50 (p99) minus the plain relay's. The last stdout line is one JSON object.
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2, { type ClientHttp2Session, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { HttpTricklePublisher, HttpTrickleSubscriber, TrickleServer, registerTrickle } from '../src/media/index.js';
import { clientErrorHandler, setHttp1Timeouts } from '../src/nodes/common/http1-timeouts.js';
import { guardGrpcBodies } from '../src/nodes/orchestrator/grpc-bodies.js';
import { LIVE_TRICKLE_PATH } from '../src/nodes/orchestrator/live.js';
import { ensureTlsCert, orchestratorServerOptions } from '../src/wire/index.js';
import { median, round } from './lib/stats.js';

const SEG = 1024 * 1024;
const ROUNDS = Math.max(1, Number(process.env.TRICKLE_BENCH_ROUNDS ?? 5) || 5);
const LAT_PER_ROUND = Math.max(5, Number(process.env.TRICKLE_BENCH_LATENCY ?? 40) || 40);
const TPUT_PER_ROUND = Math.max(5, Number(process.env.TRICKLE_BENCH_THROUGHPUT ?? 40) || 40);
const CHUNK = 64 * 1024;
/** The trickle clients' default is HTTP/1.1; TRICKLE_BENCH_PROTOCOL=http2 measures both sides over HTTP/2. */
const PROTOCOL: 'http1' | 'http2' = process.env.TRICKLE_BENCH_PROTOCOL === 'http2' ? 'http2' : 'http1';
const log = (s: string) => console.log(`[bench:trickle] ${s}`);

function pctl(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const segment = Buffer.alloc(SEG, 0x5a);
const chunks = Array.from({ length: SEG / CHUNK }, (_, i) => segment.subarray(i * CHUNK, (i + 1) * CHUNK));

interface Relay {
  name: string;
  /** Relays one segment; resolves with ms from first write to last byte read. */
  one(): Promise<number>;
  /** Relays n segments back to back; resolves with the seconds it took. */
  many(n: number): Promise<number>;
  close(): Promise<void>;
}

async function trickleRelay(base: string, trickle: TrickleServer, name: string): Promise<Relay> {
  trickle.createChannel(name, 'video/MP2T');
  const url = `${base}${name}`;
  const pub = new HttpTricklePublisher({ url, insecureSkipVerify: true, protocol: PROTOCOL });
  const sub = new HttpTrickleSubscriber({ url, insecureSkipVerify: true, protocol: PROTOCOL, start: 0 });
  if (pub.protocol !== PROTOCOL) throw new Error(`publisher speaks ${pub.protocol}`);
  const readOne = async (): Promise<number> => {
    const r = await sub.read();
    if (!r) throw new Error('EOS');
    let n = 0;
    for await (const c of r) n += c.length;
    if (n !== SEG) throw new Error(`segment ${r.seq}: ${n} bytes`);
    return performance.now();
  };
  const writeOne = async (): Promise<void> => {
    const w = await pub.next();
    for (const c of chunks) await w.write(c);
    await w.end();
  };
  return {
    name: 'trickle',
    async one() {
      const reading = readOne();
      const t0 = performance.now();
      await writeOne();
      return (await reading) - t0;
    },
    async many(n) {
      const t0 = performance.now();
      const reading = (async () => {
        for (let i = 0; i < n; i++) await readOne();
      })();
      for (let i = 0; i < n; i++) await writeOne();
      await reading;
      return (performance.now() - t0) / 1000;
    },
    async close() {
      await pub.close();
      sub.close();
    },
  };
}

/** The baseline: GET /r/<id> waits; POST /r/<id> pipes its body into that GET's response. */
async function plainRelay(tls: { key: string; cert: string }): Promise<Relay> {
  const waiting = new Map<string, ServerResponse | Http2ServerResponse>();
  const posts = new Map<string, IncomingMessage | Http2ServerRequest>();
  const join2 = (id: string) => {
    const res = waiting.get(id);
    const req = posts.get(id);
    if (!res || !req) return;
    waiting.delete(id);
    posts.delete(id);
    res.writeHead(200, { 'content-type': 'video/MP2T' });
    req.pipe(res as ServerResponse);
  };
  const server = http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, (req, res) => {
    const id = req.url;
    if (req.method === 'GET') waiting.set(id, res);
    else {
      posts.set(id, req);
      req.once('end', () => {
        res.writeHead(200);
        res.end();
      });
    }
    join2(id);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const client = PROTOCOL === 'http2' ? await h2Client(`https://127.0.0.1:${port}`) : h1Client(port);
  let seq = 0;
  return {
    name: 'plain',
    async one() {
      const id = `/r/${seq++}`;
      const reading = client.get(id);
      const t0 = performance.now();
      await client.post(id);
      return (await reading) - t0;
    },
    async many(n) {
      const t0 = performance.now();
      const ids = Array.from({ length: n }, () => `/r/${seq++}`);
      // The reader asks for each segment before the writer sends it (as a preconnected GET would).
      const reading = (async () => {
        for (const id of ids) await client.get(id);
      })();
      for (const id of ids) await client.post(id);
      await reading;
      return (performance.now() - t0) / 1000;
    },
    async close() {
      client.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface PlainClient {
  /** GET id; resolves at its last byte (performance.now()). */
  get(id: string): Promise<number>;
  /** POST id with one segment; resolves with the answer. */
  post(id: string): Promise<void>;
  close(): void;
}

/** node's HTTP/1.1 client over TLS with a keep-alive agent (what the trickle clients use by default). */
function h1Client(port: number): PlainClient {
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  const opts = (method: string, path: string) => ({ host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'video/MP2T' } });
  return {
    get: (id) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(opts('GET', id), (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => (n += c.length));
          res.once('end', () => (n === SEG ? resolve(performance.now()) : reject(new Error(`${n} bytes`))));
          res.once('error', reject);
        });
        req.once('error', reject);
        req.end();
      }),
    async post(id) {
      const req = https.request(opts('POST', id));
      const answered = new Promise<void>((resolve, reject) => {
        req.once('response', (res) => {
          res.resume();
          res.once('end', () => resolve());
        });
        req.once('error', reject);
      });
      for (const c of chunks) if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      req.end();
      await answered;
    },
    close: () => agent.destroy(),
  };
}

/** node's HTTP/2 client over TLS, one session, the trickle transport's window settings. */
async function h2Client(origin: string): Promise<PlainClient> {
  const session: ClientHttp2Session = http2.connect(origin, { rejectUnauthorized: false, settings: { initialWindowSize: 4 * 1024 * 1024 } });
  session.on('error', () => {});
  await new Promise<void>((r) => session.once('connect', () => r()));
  session.setLocalWindowSize(16 * 1024 * 1024);
  return {
    get: (id) =>
      new Promise<number>((resolve, reject) => {
        const s = session.request({ ':method': 'GET', ':path': id });
        let n = 0;
        s.on('data', (c: Buffer) => (n += c.length));
        s.once('end', () => (n === SEG ? resolve(performance.now()) : reject(new Error(`${n} bytes`))));
        s.once('error', reject);
      }),
    async post(id) {
      const s = session.request({ ':method': 'POST', ':path': id, 'content-type': 'video/MP2T' }, { endStream: false });
      for (const c of chunks) if (!s.write(c)) await new Promise((r) => s.once('drain', r));
      s.end();
      await new Promise<void>((resolve, reject) => {
        s.resume();
        s.once('end', () => resolve());
        s.once('error', reject);
      });
    },
    close: () => session.destroy(),
  };
}

/**
 * The orchestrator's HTTPS host for the trickle mount: its server options and HTTP/1 timers with
 * the orchestrator's defaults, its client-error answer and the gRPC body hook every request passes.
 */
async function orchestratorHost(tls: { key: string; cert: string }, trickle: TrickleServer): Promise<FastifyInstance> {
  const app = Fastify({
    ...orchestratorServerOptions(tls, { maxConcurrentStreams: 250, idleTimeoutMs: 600_000 }),
    logger: false,
    clientErrorHandler: clientErrorHandler(() => ({ status: 400, headers: {}, body: 'bad request\n' })),
  }) as unknown as FastifyInstance;
  setHttp1Timeouts(app.server, { headersTimeoutMs: 30_000, bodyTimeoutMs: 300_000, idleTimeoutMs: 600_000 });
  guardGrpcBodies(app, { idleMs: 30_000, totalMs: 300_000, onRefusal: () => {} });
  await registerTrickle(app, trickle, { prefix: LIVE_TRICKLE_PATH });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

async function main(): Promise<void> {
  log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  log(`${PROTOCOL === 'http2' ? 'HTTP/2' : 'HTTP/1.1'} over TLS on both sides; 1 MiB segments in 64 KiB writes; ${ROUNDS} rounds × (${LAT_PER_ROUND} latency + ${TPUT_PER_ROUND} throughput) per side, alternating`);
  const dir = await mkdtemp(join(os.tmpdir(), 'bench-trickle-'));
  const tls = await ensureTlsCert(dir, ['127.0.0.1']);
  const trickle = new TrickleServer({ autocreate: false });
  const app = await orchestratorHost(tls, trickle);
  const base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}${LIVE_TRICKLE_PATH}`;
  const t = await trickleRelay(base, trickle, 'bench');
  const p = await plainRelay(tls);
  const lat: Record<string, number[]> = { trickle: [], plain: [] };
  const secs: Record<string, number> = { trickle: 0, plain: 0 };
  // Trickle's throughput over the plain relay's, per round (both measured back to back, so under
  // the same load of the shared machine); the reported ratio is their median.
  const roundRatios: number[] = [];
  try {
    for (const r of [t, p]) for (let i = 0; i < 10; i++) await r.one(); // warm-up
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      // Latency samples interleaved one by one, the order swapped each time.
      for (let i = 0; i < LAT_PER_ROUND; i++) for (const r of (round_ + i) % 2 ? [p, t] : [t, p]) lat[r.name]!.push(await r.one());
      const took: Record<string, number> = {};
      for (const r of round_ % 2 ? [p, t] : [t, p]) took[r.name] = await r.many(TPUT_PER_ROUND);
      secs.trickle! += took.trickle!;
      secs.plain! += took.plain!;
      roundRatios.push(took.plain! / took.trickle!);
    }
  } finally {
    await t.close();
    await p.close();
    trickle.close();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
  const n = ROUNDS * TPUT_PER_ROUND;
  const sps = { trickle: n / secs.trickle!, plain: n / secs.plain! };
  for (const k of ['trickle', 'plain'] as const) {
    log(`${k.padEnd(7)} latency p50 ${pctl(lat[k]!, 50).toFixed(2)} ms, p99 ${pctl(lat[k]!, 99).toFixed(2)} ms; ${sps[k].toFixed(1)} segments/s (${((sps[k] * SEG) / 1e6).toFixed(0)} MB/s)`);
  }
  const addedP50 = pctl(lat.trickle!, 50) - pctl(lat.plain!, 50);
  const addedP99 = pctl(lat.trickle!, 99) - pctl(lat.plain!, 99);
  const ratio = median(roundRatios);
  log(`trickle / plain throughput per round ${roundRatios.map((r) => r.toFixed(2)).join(' ')}; over all rounds ${(sps.trickle / sps.plain).toFixed(3)}`);
  log(`trickle / plain throughput ${ratio.toFixed(3)} (median of rounds; target ≥ 0.8); added p50 ${addedP50.toFixed(2)} ms (target ≤ 2), p99 ${addedP99.toFixed(2)} ms`);
  console.log(JSON.stringify({ metric: 'trickle', ratio: round(ratio, 3), addedP50Ms: round(addedP50, 2), addedP99Ms: round(addedP99, 2), segmentsPerSec: round(sps.trickle, 1) }));
}

await main();
