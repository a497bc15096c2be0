// Test helpers for the nodes' request bounds: requests whose body the test writes at its own pace
// (HTTP/2 over TLS, HTTP/1.1 over TLS or cleartext), raw sockets for what no HTTP client sends
// (headers that never end), a hostile client in a child process for bulk traffic, and the worst
// event-loop delay seen while something runs. Used by the orchestrator's and the gateway's
// hostile-input tests only.
import { spawn } from 'node:child_process';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request whose body is written by the test; `answer` settles with the response (or rejects when the connection fails first). */
export interface OpenRequest {
  write(chunk: Buffer | string): boolean;
  /** Settles once the request's write buffer has drained. */
  drained(): Promise<void>;
  end(chunk?: Buffer | string): void;
  answer: Promise<Answer>;
  /** Settles when the request's connection/stream is gone (closed by either side). */
  closed: Promise<void>;
  /** Settles when the answer's head has arrived (HTTP/1). */
  responded?: Promise<void>;
  /** Tears the request (and its connection) down. */
  destroy(): void;
}

/** Opens a POST over HTTP/2 + TLS (self-signed certificates accepted), on its own session unless one is given. */
export function h2open(url: string, path: string, headers: Record<string, string>, session?: ClientHttp2Session): OpenRequest {
  const own = session === undefined;
  const s = session ?? h2connect(url, { rejectUnauthorized: false });
  s.on('error', () => {});
  const req = s.request({ ':method': 'POST', ':path': path, ...headers });
  const chunks: Buffer[] = [];
  let status = 0;
  let got: Answer['headers'] = {};
  const closed = new Promise<void>((r) => req.once('close', () => r()));
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (h) => {
      status = Number(h[':status']);
      got = h as Answer['headers'];
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ status, headers: got, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', (e) => (status ? resolve({ status, headers: got, text: Buffer.concat(chunks).toString('utf8') }) : reject(e)));
    req.on('close', () => (status ? resolve({ status, headers: got, text: Buffer.concat(chunks).toString('utf8') }) : reject(new Error(`stream closed without an answer (rst code ${req.rstCode})`))));
  });
  answer.catch(() => {});
  void closed.then(() => own && s.close());
  return {
    write: (c) => req.write(c),
    drained: () => new Promise((r) => req.once('drain', r)),
    end: (c) => (c === undefined ? req.end() : req.end(c)),
    answer,
    closed,
    destroy: () => {
      req.destroy();
      if (own) s.destroy();
    },
  };
}

/** Opens a POST over HTTP/1.1 (https:// over TLS with the certificate unchecked, or http://), on its own connection. */
export function h1open(url: string, path: string, headers: Record<string, string>): OpenRequest {
  const u = new URL(url);
  const make = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = make({ host: u.hostname, port: u.port, path, method: 'POST', headers, agent: false, rejectUnauthorized: false });
  let socket: Socket | undefined;
  const closed = new Promise<void>((r) => {
    req.once('socket', (s) => {
      socket = s;
      s.once('close', () => r());
    });
  });
  let headArrived!: () => void;
  const responded = new Promise<void>((r) => (headArrived = r));
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      headArrived();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers as IncomingHttpHeaders, text: Buffer.concat(chunks).toString('utf8') });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    req.on('error', reject);
  });
  answer.catch(() => {});
  req.on('error', () => {});
  req.flushHeaders();
  return {
    write: (c) => req.write(c),
    drained: () => new Promise((r) => req.once('drain', r)),
    end: (c) => (c === undefined ? req.end() : req.end(c)),
    answer,
    closed,
    responded,
    destroy: () => {
      req.destroy();
      socket?.destroy();
    },
  };
}

/**
 * Writes `text` on a raw connection (TLS for https://) and collects what comes back until the
 * server closes it: for what an HTTP client will not send, such as headers that never end.
 */
export function rawExchange(url: string, text: string, timeoutMs = 10_000): Promise<{ data: string; closedByServer: boolean }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock: Socket = u.protocol === 'https:' ? tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }) : netConnect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data: Buffer.concat(chunks).toString('utf8'), closedByServer: false });
    }, timeoutMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks).toString('utf8'), closedByServer: true });
    });
    sock.write(text);
  });
}

/**
 * Runs `fn` and returns the longest the event loop was blocked meanwhile, in ms (the nodes under test
 * run in this process). A 5 ms ticker measures how late each tick came, as monitorEventLoopDelay
 * does, but counts a late tick only as far as the process used CPU meanwhile: on a shared machine
 * the process is also descheduled, which delays timers without anything blocking the loop — and
 * only as far as this thread spent in callbacks (event-loop utilisation), since the CPU figure also
 * covers GC and other threads. Both are at least the time a blocking callback took, so this never
 * under-counts a real block.
 */
export async function maxLoopDelayMs<T>(fn: () => Promise<T>): Promise<{ result: T; maxMs: number }> {
  const tickMs = 5;
  let worst = 0;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let lastElu = performance.eventLoopUtilization();
  const ticker = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    // this thread's time in callbacks: the process's CPU also counts GC and other threads, which
    // on a machine busy with other tests (PostgreSQL servers) is not this loop being blocked
    const elu = performance.eventLoopUtilization(lastElu);
    const late = now - last - tickMs;
    worst = Math.max(worst, Math.min(late, (cpu.user + cpu.system) / 1000, elu.active));
    last = now;
    lastCpu = process.cpuUsage();
    lastElu = performance.eventLoopUtilization();
  }, tickMs);
  try {
    const result = await fn();
    return { result, maxMs: worst };
  } finally {
    clearInterval(ticker);
  }
}

/** Writes `chunk` every `everyMs` until the request is answered or closed (a slowloris body); returns a stop function. */
export function trickle(req: OpenRequest, chunk: Buffer | string, everyMs: number): () => void {
  const t = setInterval(() => req.write(chunk), everyMs);
  const stop = () => clearInterval(t);
  void req.answer.finally(stop).catch(() => {});
  void req.closed.then(stop);
  return stop;
}

/** Streams `total` bytes of `chunk` repeated, respecting backpressure, until done or answered. */
export async function pump(req: OpenRequest, chunk: Buffer, total: number): Promise<void> {
  let answered = false;
  // Stop at the answer's first byte, as a well-behaved client does (its end may come later).
  void req.responded?.then(() => (answered = true));
  void req.answer.finally(() => (answered = true)).catch(() => {});
  void req.closed.then(() => (answered = true));
  const over = Promise.race([req.answer.then(() => {}, () => {}), req.closed]);
  for (let sent = 0; sent < total && !answered; sent += chunk.length) {
    if (!req.write(chunk)) await Promise.race([req.drained(), over]);
  }
  if (!answered) req.end();
}

/** A multipart file part (boundary "x") of `size` bytes of 'A', with its head and trailing CRLF. */
export function multipartFilePart(name: string, size: number): Buffer {
  const head = `--x\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.png"\r\nContent-Type: image/png\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(size, 0x41), Buffer.from('\r\n')]);
}

/**
 * What startHostileClient sends: `parallel` POSTs, each `prefix` then `chunkBytes` of 'A' repeated up
 * to `totalBytes` (respecting backpressure, stopping once answered).
 */
export interface HostileSpec {
  url: string;
  path: string;
  protocol: 'h1' | 'h2';
  headers: Record<string, string>;
  /** Base64 bytes sent first (e.g. a multipart part's head). */
  prefix?: string;
  /** Sent after `prefix`: multipart file parts (boundary "x") of these sizes, named f0, f1, …, the first "image". */
  multipartFiles?: number[];
  chunkBytes: number;
  totalBytes: number;
  parallel: number;
  /** HTTP/2: requests per session (default: one session per request). */
  perSession?: number;
}

export interface HostileResult {
  status: number;
  /** Livepeer-Error-Code (orchestrator) or the JSON error's code (gateway). */
  code: string | undefined;
}

function answerCode(a: Answer): string | undefined {
  const h = a.headers['livepeer-error-code'];
  if (typeof h === 'string') return h;
  try {
    return (JSON.parse(a.text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Connects (HTTP/2 sessions, TLS handshakes done) and returns a function that sends the requests. */
async function prepareHostile(spec: HostileSpec): Promise<() => Promise<HostileResult[]>> {
  const chunk = Buffer.alloc(spec.chunkBytes, 0x41);
  const files = (spec.multipartFiles ?? []).map((size, i) => multipartFilePart(i === 0 ? 'image' : `f${i}`, size));
  const prefix = Buffer.concat([spec.prefix ? Buffer.from(spec.prefix, 'base64') : Buffer.alloc(0), ...files]);
  const perSession = spec.perSession ?? 1;
  const sessions: ClientHttp2Session[] = [];
  if (spec.protocol === 'h2') {
    for (let k = 0; k < Math.ceil(spec.parallel / perSession); k++) {
      const s = h2connect(spec.url, { rejectUnauthorized: false });
      s.on('error', () => {});
      sessions.push(s);
    }
    await Promise.all(sessions.map((s) => new Promise((r) => s.once('remoteSettings', r))));
  }
  const open = (i: number): OpenRequest =>
    spec.protocol === 'h1' ? h1open(spec.url, spec.path, spec.headers) : h2open(spec.url, spec.path, spec.headers, sessions[Math.floor(i / perSession)]);
  return async () => {
    try {
      return await Promise.all(
        Array.from({ length: spec.parallel }, async (_, i): Promise<HostileResult> => {
          const r = open(i);
          if (prefix.length > 0) r.write(prefix);
          await pump(r, chunk, spec.totalBytes);
          try {
            const a = await r.answer;
            return { status: a.status, code: answerCode(a) };
          } catch (err) {
            return { status: 0, code: (err as Error).message };
          } finally {
            r.destroy();
          }
        }),
      );
    } finally {
      for (const s of sessions) s.destroy();
    }
  };
}

export interface HostileClient {
  /** Sends the requests (the child is connected and waiting) and settles with their answers. */
  go(): Promise<HostileResult[]>;
  kill(): void;
}

/**
 * Starts the spec's client in a child process (this file, through tsx) and settles once it is
 * connected: between go() and its answers, this process's event loop and CPU are the node's
 * alone, so a test can measure them (sending 160 MB from the test's own process made the client's
 * work look like the node blocking).
 */
export function startHostileClient(spec: HostileSpec): Promise<HostileClient> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready = false;
    let finish: ((r: HostileResult[]) => void) | undefined;
    let fail: ((e: Error) => void) | undefined;
    const done = new Promise<HostileResult[]>((res, rej) => {
      finish = res;
      fail = rej;
    });
    done.catch(() => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!ready && out.includes('ready\n')) {
        ready = true;
        out = out.slice(out.indexOf('ready\n') + 6);
        resolve({
          go: () => {
            child.stdin.write('go\n');
            return done;
          },
          kill: () => child.kill('SIGKILL'),
        });
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const e = new Error(`hostile client exited ${code}: ${err}`);
      if (!ready) return reject(e);
      const line = out.trim().split('\n').at(-1);
      if (code === 0 && line) finish!(JSON.parse(line) as HostileResult[]);
      else fail!(e);
    });
  });
}

// Run as a script: the child of startHostileClient.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const send = await prepareHostile(JSON.parse(process.argv[2]!) as HostileSpec);
  process.stdout.write('ready\n');
  await new Promise((r) => process.stdin.once('data', r));
  process.stdin.pause();
  process.stdout.write(`${JSON.stringify(await send())}\n`);
}
