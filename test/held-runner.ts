// Runners with a GPU model's timing, for liveness tests (a mock: there is no GPU here, and the CPU
// reference runner answers in milliseconds). They speak enough of the ai-runner API for an
// orchestrator (GET /version, POST /<pipeline>) and count what the tests assert on: requests
// received, and requests whose connection closed before they were answered (the orchestrator
// aborted them).
//  - 'hold': a job that takes longer than any test (a big image job): never answered.
//  - 'llm-stream': an llm SSE stream that goes on until the caller leaves (bounded: `maxChunks`,
//    then a finish_reason). A prompt of "flood" sends 8 KiB chunks as fast as the caller takes them
//    (`blocked()` turns true once a write had to wait: backpressure reached the runner); any other
//    prompt gets one short token every 20 ms.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { DEFAULT_MODEL_IDS, type RunnerPipeline } from '../src/ai/index.js';

export interface HeldRunner {
  url: string;
  modelId: string;
  received(): number;
  aborted(): number;
  /** A write waited for 'drain' (llm-stream, "flood"). */
  blocked(): boolean;
  close(): Promise<void>;
}

export async function startHeldRunner(opts: { mode: 'hold'; pipeline: RunnerPipeline } | { mode: 'llm-stream'; maxChunks?: number }): Promise<HeldRunner> {
  const pipeline: RunnerPipeline = opts.mode === 'hold' ? opts.pipeline : 'llm';
  const modelId = DEFAULT_MODEL_IDS[pipeline];
  let received = 0;
  let aborted = 0;
  let blocked = false;
  const sockets = new Set<Socket>();

  const stream = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    let prompt = '';
    try {
      prompt = String((JSON.parse(body) as { messages?: { content?: unknown }[] }).messages?.[0]?.content ?? '');
    } catch {
      // not JSON: the paced stream
    }
    const flood = prompt === 'flood';
    const content = flood ? 'x'.repeat(8192) : ' token';
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const created = Math.floor(Date.now() / 1000);
    const chunk = (i: number, finish: string) =>
      `data: ${JSON.stringify({ id: 'held', model: modelId, created, usage: { prompt_tokens: 1, completion_tokens: i, total_tokens: i + 1 }, choices: [{ index: 0, finish_reason: finish, delta: { role: 'assistant', content: finish ? '' : content } }] })}\n\n`;
    const max = opts.mode === 'llm-stream' ? (opts.maxChunks ?? 2000) : 0;
    for (let i = 1; i <= max && !res.destroyed; i++) {
      if (!res.write(chunk(i, ''))) {
        blocked = true;
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      if (!flood) await new Promise((r) => setTimeout(r, 20));
    }
    if (!res.destroyed) res.end(`${chunk(max, 'stop')}data: [DONE]\n\n`);
  };

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pipeline, model_id: modelId, version: '0.0.0-held' }));
      return;
    }
    if (req.method !== 'POST' || req.url !== `/${pipeline}`) {
      res.writeHead(404).end();
      return;
    }
    received++;
    res.once('close', () => {
      if (!res.writableFinished) aborted++;
    });
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.once('end', () => {
      if (opts.mode === 'llm-stream') void stream(req, res, Buffer.concat(parts).toString());
      // 'hold': never answered; the orchestrator's abort (or the test's close) ends it.
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    modelId,
    received: () => received,
    aborted: () => aborted,
    blocked: () => blocked,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
