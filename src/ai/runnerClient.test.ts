import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  RunnerBadResponseError,
  RunnerClient,
  RunnerStatusError,
  RunnerStreamError,
  RunnerTimeoutError,
  RunnerUnreachableError,
} from './index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const llmChunk = (content: string, finish = '') => ({
  id: 'x', model: 'm', created: 1, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  choices: [{ index: 0, finish_reason: finish, delta: { role: 'assistant', content } }],
});

describe('RunnerClient', () => {
  it('sends the bearer token and parses health/version', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/health') return json(res, 200, { status: 'IDLE' });
      return json(res, 200, { pipeline: 'llm', model_id: 'm', version: '0.1.0' });
    });
    const c = new RunnerClient({ url: `${url}/`, token: 's3cret' });
    assert.deepEqual(await c.health(), { status: 'IDLE' });
    assert.equal((await c.version()).model_id, 'm');
    assert.deepEqual(seen, ['Bearer s3cret', 'Bearer s3cret']);
  });

  it('unreachable runner → RunnerUnreachableError', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const err = await new RunnerClient({ url: `http://127.0.0.1:${port}` }).health().catch((e: unknown) => e);
    assert.ok(err instanceof RunnerUnreachableError, String(err));
    assert.equal(err.code, 'RUNNER_UNREACHABLE');
  });

  it('no answer within the timeout → RunnerTimeoutError', async () => {
    const url = await serve(() => undefined); // never answers
    const err = await new RunnerClient({ url, timeoutMs: 150 }).run('llm', { messages: [] }).catch((e: unknown) => e);
    assert.ok(err instanceof RunnerTimeoutError, String(err));
    assert.equal(err.timeoutMs, 150);
  });

  it('non-2xx → RunnerStatusError with the runner message (detail.msg, 422 list, plain text)', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/upscale') return json(res, 400, { detail: { msg: 'bad image' } });
      if (req.url === '/text-to-image') return json(res, 422, { detail: [{ type: 'missing', loc: ['body', 'prompt'], msg: 'Field required' }] });
      res.writeHead(500);
      res.end('boom');
    });
    const c = new RunnerClient({ url });
    const e1 = await c.run('upscale', {}).catch((e: unknown) => e);
    assert.ok(e1 instanceof RunnerStatusError);
    assert.equal(e1.status, 400);
    assert.equal(e1.runnerMessage, 'bad image');
    assert.match(e1.message, /returned 400: bad image/);
    const e2 = await c.run('text-to-image', {}).catch((e: unknown) => e);
    assert.ok(e2 instanceof RunnerStatusError);
    assert.equal(e2.runnerMessage, 'body.prompt: Field required');
    const e3 = await c.run('llm', { messages: [] }).catch((e: unknown) => e);
    assert.ok(e3 instanceof RunnerStatusError && e3.status === 500 && e3.runnerMessage === 'boom');
  });

  it('2xx with a body that is not the API → RunnerBadResponseError', async () => {
    const url = await serve((req, res) => (req.url === '/image-to-text' ? json(res, 200, 'not json{') : json(res, 200, { images: 'nope' })));
    const c = new RunnerClient({ url });
    assert.ok((await c.run('image-to-text', {}).catch((e: unknown) => e)) instanceof RunnerBadResponseError);
    assert.ok((await c.run('text-to-image', { prompt: 'x' }).catch((e: unknown) => e)) instanceof RunnerBadResponseError);
    assert.ok((await c.health().catch((e: unknown) => e)) instanceof RunnerBadResponseError);
  });

  it('llm SSE: streams chunks, folds them for run(), surfaces mid-stream errors', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.headers['x-fail']) {
        res.write(`data: ${JSON.stringify(llmChunk('a'))}\n\n`);
        res.end(`data: ${JSON.stringify({ error: 'CUDA out of memory' })}\n\n`);
        return;
      }
      res.write(`data: ${JSON.stringify(llmChunk('Hello'))}\n\n`);
      res.write(`data: ${JSON.stringify(llmChunk(' world'))}\r\n\r\n`);
      res.write(`data: ${JSON.stringify(llmChunk('', 'stop'))}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    const c = new RunnerClient({ url });
    const parts: string[] = [];
    for await (const ch of c.streamLlm({ messages: [{ role: 'user', content: 'hi' }] })) parts.push(ch.choices[0]!.delta!.content);
    assert.deepEqual(parts, ['Hello', ' world', '']);
    const folded = await c.run('llm', { messages: [], stream: true });
    assert.equal(folded.choices[0]!.message!.content, 'Hello world');
    assert.equal(folded.choices[0]!.finish_reason, 'stop');
    const failing = new RunnerClient({ url, fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-fail': '1' } }) });
    const err = await failing.run('llm', { messages: [], stream: true }).catch((e: unknown) => e);
    assert.ok(err instanceof RunnerStreamError, String(err));
    assert.equal(err.runnerMessage, 'CUDA out of memory');
  });

  it('llm SSE: frames without a choice are skipped; a stream that stops with neither finish_reason nor [DONE] was cut', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(llmChunk('a'))}\n\n`);
      res.write(`data: ${JSON.stringify({ ...llmChunk(''), choices: [] })}\n\n`);
      if (req.headers['x-cut']) return void res.end();
      res.end(`data: ${JSON.stringify(llmChunk('b', 'length'))}\n\n`);
    });
    const c = new RunnerClient({ url });
    const seen: string[] = [];
    for await (const ch of c.streamLlm({ messages: [] })) seen.push(`${ch.choices[0]!.delta!.content}/${ch.choices[0]!.finish_reason}`);
    assert.deepEqual(seen, ['a/', 'b/length']);
    const cut = new RunnerClient({ url, fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-cut': '1' } }) });
    const err = await cut.run('llm', { messages: [], stream: true }).catch((e: unknown) => e);
    assert.ok(err instanceof RunnerStreamError, String(err));
  });

  it('audio-to-text chunks may have null timestamps (ai-runner: Tuple of anything; Whisper leaves the last end open)', async () => {
    const body = { text: 'hi there', chunks: [{ text: 'hi', timestamp: [0, 0.5] }, { text: ' there', timestamp: [0.5, null] }] };
    const url = await serve((_req, res) => json(res, 200, body));
    const r = await new RunnerClient({ url }).run('audio-to-text', { kind: 'multipart', fields: {}, files: {} });
    assert.deepEqual(r, body);
  });
});
