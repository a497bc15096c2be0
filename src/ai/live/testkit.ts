// Test helpers for the live runner: a real trickle server with the four channels of one session,
// the gateway's side of them (input and control publishers, output and events subscribers), and a
// reader of the events channel. (Test-only; not exported from src/ai.)
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpTricklePublisher,
  HttpTrickleSubscriber,
  TrickleServer,
  registerTrickle,
  startTrickleServer,
  type TrickleSubscriber,
} from '../../media/index.js';
import { ensureTlsCert, orchestratorServerOptions } from '../../wire/index.js';
import { decodeFrames, type YuvFrame } from '../../media/videoTestkit.js';
import type { LiveEvent } from './events.js';

interface Served {
  url: string;
  trickle: TrickleServer;
  close(): Promise<void>;
}

/** The orchestrator's shape: trickle at /ai/trickle/ on a fastify HTTP/2 + TLS server with a self-signed certificate. */
async function startHttpsTrickle(): Promise<Served> {
  const dir = await mkdtemp(join(tmpdir(), 'live-tls-'));
  const tls = await ensureTlsCert(dir, ['127.0.0.1']);
  const app = Fastify({ ...orchestratorServerOptions(tls), logger: false }) as unknown as FastifyInstance;
  const trickle = new TrickleServer();
  await registerTrickle(app, trickle);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `https://127.0.0.1:${(app.server.address() as AddressInfo).port}/ai/trickle/`,
    trickle,
    close: async () => {
      trickle.close();
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  server: Served;
  mid: string;
  urls: { subscribe_url: string; publish_url: string; control_url: string; events_url: string };
  input: HttpTricklePublisher;
  control: HttpTricklePublisher;
  output: HttpTrickleSubscriber;
  events: EventReader;
  close(): Promise<void>;
}

let n = 0;

/**
 * A trickle server (no autocreate, as the orchestrator's: plain HTTP, or with `https` the
 * orchestrator's HTTP/2 + TLS shape) with `<mid>`, `-out`, `-control`, `-events`.
 */
export async function startSession(opts: { https?: boolean } = {}): Promise<Session> {
  const server: Served = opts.https ? await startHttpsTrickle() : await startTrickleServer({ autocreate: false });
  const mid = `m${process.pid}x${n++}`;
  const t = server.trickle;
  t.createChannel(mid, 'video/MP2T');
  t.createChannel(`${mid}-out`, 'video/MP2T');
  t.createChannel(`${mid}-control`, 'application/json');
  t.createChannel(`${mid}-events`, 'application/json');
  const base = server.url.replace(/\/$/, '');
  const urls = { subscribe_url: `${base}/${mid}`, publish_url: `${base}/${mid}-out`, control_url: `${base}/${mid}-control`, events_url: `${base}/${mid}-events` };
  const tls = { insecureSkipVerify: true };
  const input = new HttpTricklePublisher({ url: urls.subscribe_url, mime: 'video/MP2T', ...tls });
  const control = new HttpTricklePublisher({ url: urls.control_url, mime: 'application/json', ...tls });
  const output = new HttpTrickleSubscriber({ url: urls.publish_url, start: 0, ...tls });
  const events = new EventReader(new HttpTrickleSubscriber({ url: urls.events_url, start: 0, ...tls }));
  return {
    server,
    mid,
    urls,
    input,
    control,
    output,
    events,
    close: async () => {
      events.close();
      output.close();
      await Promise.allSettled([input.close(), control.close()]);
      await server.close();
    },
  };
}

export async function readAll(seg: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of seg) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** Reads the events channel in the background, in order. */
export class EventReader {
  readonly events: LiveEvent[] = [];
  ended = false;
  error: unknown;
  private readonly done: Promise<void>;

  constructor(private readonly sub: TrickleSubscriber) {
    this.done = (async () => {
      try {
        for (;;) {
          const seg = await sub.read();
          if (!seg) break;
          const text = Buffer.from(await readAll(seg)).toString('utf8');
          if (text) this.events.push(JSON.parse(text) as LiveEvent);
        }
      } catch (err) {
        this.error = err;
      } finally {
        this.ended = true;
      }
    })();
  }

  types(): string[] {
    return this.events.map((e) => e.event.type);
  }

  close(): void {
    this.sub.close();
  }

  async finished(): Promise<void> {
    await this.done;
  }
}

export const W = 320;
export const H = 240;

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
export const get = async (url: string) => (await (await fetch(url)).json()) as Record<string, unknown>;
export const health = async (r: { url: string }) => (await get(`${r.url}/health`)).status;

/** go-livepeer's orchestrator body for session `s`, plus a key pytrickle's model does not know (ignored). */
export function startBody(s: Session, params: unknown, extra: Record<string, unknown> = {}) {
  return { ...s.urls, model_id: 'noop', params, gateway_request_id: `req-${s.mid}`, manifest_id: s.mid, stream_id: 'stream-1', some_future_key: 1, ...extra };
}

/** Reads `n` output segments of `s` (throws if the output ends first). */
export async function readOutputs(s: Session, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  while (out.length < n) {
    const seg = await s.output.read();
    if (!seg) throw new Error(`output ended after ${out.length} of ${n} segments`);
    out.push(await readAll(seg));
  }
  return out;
}

export const firstFrame = async (b: Uint8Array): Promise<YuvFrame> => (await decodeFrames(b, W, H))[0]!;
