// Interop with go-livepeer, runner side: our orchestrator (offchain, real TLS + HTTP/2) in front
// of real reference runners, read the way a go-livepeer gateway reads it. The Go gateway's rules
// are restated below from its source (server/ai_process.go): a failure text containing
// "returned 400" is the client's 400 (parseBadRequestError), and an LLM event stream is read line
// by line, json-decoding each "data: " line (skipping bad JSON), indexing choices[0] (a panic when
// a frame has no choice) and stopping at the first non-empty finish_reason (handleSSEStream).
// Runners that fail on purpose (500, 401, mid-stream errors, cut streams) are small HTTP servers
// standing in for a broken GPU runner, which cannot be made to fail on demand here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodePng, newImage, startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { makeImage, makeTone } from '../src/media/testkit.js';
import { startGateway } from '../src/nodes/gateway/index.js';
import { classifyFailure } from '../src/nodes/gateway/attempt-failure.js';
import { refusalFromHeaders } from '../src/wire/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/node.js';
import { TestGateway, h2post, multipart } from '../src/nodes/orchestrator/testkit.js';
import { MemoryChainView, MemorySenderInfo } from '../src/pm/index.js';

/** How our gateway classifies an answer: by its Livepeer-Error-Code, and by the text alone (as from a Go orchestrator). */
const kinds = (r: { status: number; headers: Record<string, string | string[] | undefined>; text: string }) => [
  classifyFailure(r.status, refusalFromHeaders(r.headers), r.text.trim()).kind,
  classifyFailure(r.status, { code: undefined, reason: undefined }, r.text.trim()).kind,
];

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
const BROKEN_LLM = 'broken/llm';
const BROKEN_TTS = 'broken/tts';

/** go-livepeer gateway: parseBadRequestError. */
function goGatewayBadRequest(text: string): string | undefined {
  const i = text.indexOf('returned 400');
  if (i < 0) return undefined;
  return text.slice(i + 'returned 400'.length).trim() || 'bad request';
}

/** go-livepeer gateway: handleSSEStream. Throws where Go would panic. */
function goGatewayReadSse(text: string): { chunks: { choices: { finish_reason?: string | null }[]; error?: unknown }[]; finished: boolean } {
  const chunks: { choices: { finish_reason?: string | null }[] }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    let chunk: { choices?: { finish_reason?: string | null }[] };
    try {
      chunk = JSON.parse(line.slice('data: '.length)) as typeof chunk;
    } catch {
      continue;
    }
    const choices = chunk.choices ?? [];
    chunks.push({ ...chunk, choices });
    if (choices.length === 0) throw new Error('panic: runtime error: index out of range [0] with length 0');
    if (choices[0]!.finish_reason) return { chunks, finished: true };
  }
  return { chunks, finished: false };
}

type Mode = 'status-500' | 'status-401' | 'mid-stream-error' | 'usage-frame' | 'cut' | 'first-frame-error';
let mode: Mode = 'status-500';
let standIn: Server;
const chunk = (i: number, finish = '') =>
  `data: ${JSON.stringify({ id: 'c1', model: BROKEN_LLM, created: 1, usage: { prompt_tokens: 1, completion_tokens: i, total_tokens: 1 + i }, choices: [{ index: 0, finish_reason: finish, delta: { role: 'assistant', content: `t${i} ` } }] })}\n\n`;

function standInRunner(res: ServerResponse, path: string): void {
  const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (mode === 'status-500') return json(500, { detail: { msg: 'CUDA out of memory' } });
  if (mode === 'status-401') return json(401, { detail: { msg: 'Invalid bearer token' } });
  if (path !== '/llm') return json(404, { detail: { msg: 'not found' } });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (mode === 'first-frame-error') return void res.end(`data: ${JSON.stringify({ error: 'model not loaded' })}\n\n`);
  res.write(chunk(1));
  res.write(chunk(2));
  // ai-runner's own shape for a generator exception: a frame with no choices.
  if (mode === 'mid-stream-error') return void res.end(`data: ${JSON.stringify({ error: 'CUDA error: an illegal memory access' })}\n\n`);
  // an OpenAI-style usage-only frame, then the end
  if (mode === 'usage-frame') return void res.end(`data: ${JSON.stringify({ id: 'c1', model: BROKEN_LLM, created: 1, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, choices: [] })}\n\n${chunk(3, 'stop')}data: [DONE]\n\n`);
  // cut: the runner dies mid-stream
  setTimeout(() => res.socket?.destroy(), 20);
}

let dir: string;
let orch: Orchestrator;
const runners: Record<string, ReferenceRunner> = {};

async function gatewayFor(pipeline: 'llm' | 'image-to-text' | 'audio-to-text' | 'text-to-speech' | 'text-to-image', modelId: string): Promise<Record<string, string>> {
  const g = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, pipeline, modelId);
  await g.refresh();
  return g.headers(0);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'interop-runner-'));
  for (const p of ['llm', 'image-to-text', 'audio-to-text', 'text-to-image'] as const) runners[p] = await startReferenceRunner({ pipeline: p });
  standIn = createServer((req, res) => {
    req.resume();
    req.on('end', () => standInRunner(res, req.url ?? '/'));
  });
  await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
  const standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  const models = [
    ...Object.entries(runners).map(([p, r]) => ({ pipeline: p, model_id: r.modelId, url: r.url, capacity: 4 })),
    { pipeline: 'llm', model_id: BROKEN_LLM, url: standInUrl, capacity: 4 },
    { pipeline: 'text-to-speech', model_id: BROKEN_TTS, url: standInUrl, capacity: 4 },
  ];
  orch = await startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: JSON.stringify(models), network: 'offchain', ethPrivateKey: KEY, logLevel: 'silent' });
});

after(async () => {
  await orch?.close();
  for (const r of Object.values(runners)) await r.close();
  await new Promise<void>((r) => (standIn ? standIn.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const JSON_CT = { 'content-type': 'application/json' };

describe('runner failures, as a go-livepeer orchestrator answers them', () => {
  it('runner 400 → 500 "image-to-text container returned 400: <msg>"; a Go gateway answers 400, ours too', async () => {
    // The reference runner decodes PNG only: a JPEG is sized fine (as go-livepeer sizes it) and the runner refuses it.
    const form = await multipart({ prompt: 'what is it' }, { image: { data: await makeImage('jpg', 64, 48), type: 'image/jpeg', name: 'a.jpg' } });
    const r = await h2post(orch.url, '/image-to-text', form.body, { 'content-type': form.contentType, ...(await gatewayFor('image-to-text', runners['image-to-text']!.modelId)) });
    assert.equal(r.status, 500);
    assert.match(r.text.trim(), /^image-to-text container returned 400: Unsupported image: /);
    assert.match(goGatewayBadRequest(r.text) ?? '', /^: Unsupported image/);
    assert.deepEqual(kinds(r), ['client', 'client'], 'by our code header, and by the text alone (a Go orchestrator)');
  });

  it('through our gateway: the client gets 400 with the runner\'s reason and the orchestrator is not suspended', async () => {
    const gw = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [orch.url], logLevel: 'silent' });
    try {
      const ask = async (image: Uint8Array, name: string) => {
        const form = new FormData();
        form.append('prompt', 'what is it');
        form.append('image', new Blob([image]), name);
        return fetch(`${gw.url}/image-to-text`, { method: 'POST', body: form });
      };
      const refused = await ask(await makeImage('jpg', 64, 48), 'a.jpg');
      assert.equal(refused.status, 400);
      assert.match(((await refused.json()) as { error: { message: string } }).error.message, /image-to-text container returned 400: Unsupported image/);
      // The only orchestrator is still in use: a good request right after succeeds.
      const ok = await ask(encodePng(newImage(32, 32)), 'a.png');
      assert.equal(ok.status, 200, await ok.clone().text());
    } finally {
      await gw.close();
    }
  });

  it('runner 422 → 500 "LLM container returned 422: <validation JSON>"; ours counts it as the client\'s', async () => {
    const body = JSON.stringify({ model: runners.llm!.modelId, messages: [{ role: 'user' }], max_tokens: 8 });
    const r = await h2post(orch.url, '/llm', body, { ...JSON_CT, ...(await gatewayFor('llm', runners.llm!.modelId)) });
    assert.equal(r.status, 500);
    const m = /^LLM container returned 422: (.*)$/s.exec(r.text.trim());
    assert.ok(m, r.text);
    assert.ok(Array.isArray((JSON.parse(m[1]!) as { detail: unknown }).detail));
    assert.equal(goGatewayBadRequest(r.text), undefined, 'a Go gateway retries elsewhere');
    assert.deepEqual(kinds(r), ['client', 'client'], 'by our code header, and by the text alone (a Go orchestrator)');
  });

  it('runner 415 (audio it cannot decode) → 500 "audio-to-text container returned 415: …"', async () => {
    // The reference runner reads WAV only; the orchestrator timed the MP3 with ffprobe first.
    const form = await multipart({}, { audio: { data: await makeTone('mp3', 2.5), type: 'audio/mpeg', name: 'a.mp3' } });
    const r = await h2post(orch.url, '/audio-to-text', form.body, { 'content-type': form.contentType, ...(await gatewayFor('audio-to-text', runners['audio-to-text']!.modelId)) });
    assert.equal(r.status, 500);
    assert.match(r.text.trim(), /^audio-to-text container returned 415: Unsupported audio format or malformed file\./);
    assert.deepEqual(kinds(r), ['client', 'client'], 'by our code header, and by the text alone (a Go orchestrator)');
  });

  it('runner 500 and 401 are the orchestrator\'s fault: retried elsewhere by both gateways', async () => {
    for (const [m, status, msg] of [['status-500', 500, 'CUDA out of memory'], ['status-401', 401, 'Invalid bearer token']] as const) {
      mode = m;
      const r = await h2post(orch.url, '/text-to-speech', JSON.stringify({ text: 'hello', model_id: BROKEN_TTS }), { ...JSON_CT, ...(await gatewayFor('text-to-speech', BROKEN_TTS)) });
      assert.equal(r.status, 500);
      assert.equal(r.text.trim(), `text-to-speech container returned ${status}: ${msg}`);
      assert.equal(goGatewayBadRequest(r.text), undefined);
      assert.deepEqual(kinds(r), ['server', 'server'], 'by our code header, and by the text alone (a Go orchestrator)');
    }
  });

  it('media refusals keep go-livepeer\'s 400 texts: BMP "image: unknown format", audio under 1 s "Unable to calculate duration", llm without max_tokens', async () => {
    const bmp = await multipart({ prompt: 'x' }, { image: { data: await makeImage('bmp', 8, 8), type: 'image/bmp', name: 'a.bmp' } });
    const r1 = await h2post(orch.url, '/image-to-text', bmp.body, { 'content-type': bmp.contentType, ...(await gatewayFor('image-to-text', runners['image-to-text']!.modelId)) });
    assert.equal(r1.status, 400);
    assert.match(r1.text, /^image: unknown format/);
    const short = await multipart({}, { audio: { data: await makeTone('wav', 0.6), type: 'audio/wav', name: 'a.wav' } });
    const r2 = await h2post(orch.url, '/audio-to-text', short.body, { 'content-type': short.contentType, ...(await gatewayFor('audio-to-text', runners['audio-to-text']!.modelId)) });
    assert.equal(r2.status, 400);
    assert.equal(r2.text.trim(), 'Unable to calculate duration');
    const r3 = await h2post(orch.url, '/llm', JSON.stringify({ model: runners.llm!.modelId, messages: [{ role: 'user', content: 'hi' }] }), { ...JSON_CT, ...(await gatewayFor('llm', runners.llm!.modelId)) });
    assert.equal(r3.status, 400);
    assert.equal(r3.text.trim(), 'MaxTokens not specified');
    assert.equal(orch.stats().refusals.BAD_REQUEST, 3);
  });

  it('a whole-second audio file runs and is counted in whole seconds × 1000', async () => {
    const before = orch.stats().units['audio-to-text'] ?? 0n;
    const form = await multipart({}, { audio: { data: await makeTone('wav', 2.5), type: 'audio/wav', name: 'a.wav' } });
    const r = await h2post(orch.url, '/audio-to-text', form.body, { 'content-type': form.contentType, ...(await gatewayFor('audio-to-text', runners['audio-to-text']!.modelId)) });
    assert.equal(r.status, 200, r.text);
    assert.equal((orch.stats().units['audio-to-text'] ?? 0n) - before, 2000n);
  });
});

describe('llm streaming, as a Go gateway reads it', () => {
  const post = async (model: string) =>
    h2post(orch.url, '/llm', JSON.stringify({ model, messages: [{ role: 'user', content: 'tell me about tickets' }], max_tokens: 12, stream: true }), {
      ...JSON_CT,
      ...(await gatewayFor('llm', model)),
    });

  it('a healthy stream: every frame has a choice, it ends at the finish_reason, no [DONE]', async () => {
    const r = await post(runners.llm!.modelId);
    assert.equal(r.status, 200, r.text);
    const read = goGatewayReadSse(r.text);
    assert.ok(read.finished);
    assert.ok(read.chunks.length >= 2);
    assert.doesNotMatch(r.text, /\[DONE\]/);
  });

  for (const m of ['mid-stream-error', 'cut'] as const) {
    it(`a runner that fails mid-stream (${m}) ends the stream with a finish_reason "error" chunk a Go gateway survives`, async () => {
      mode = m;
      const r = await post(BROKEN_LLM);
      assert.equal(r.status, 200);
      const read = goGatewayReadSse(r.text);
      assert.ok(read.finished);
      assert.equal(read.chunks.length, 3);
      const last = read.chunks.at(-1)! as { id: string; choices: { finish_reason: string }[]; error: { message: string; code: string } };
      assert.equal(last.choices[0]!.finish_reason, 'error');
      assert.equal(last.id, 'c1');
      // the runner's own error frame vs. a connection that died
      assert.equal(last.error.code, m === 'cut' ? 'RUNNER_UNAVAILABLE' : 'RUNNER_FAILED');
      if (m === 'mid-stream-error') assert.match(last.error.message, /illegal memory access/);
    });
  }

  it('a usage-only frame without choices is not passed on', async () => {
    mode = 'usage-frame';
    const r = await post(BROKEN_LLM);
    const read = goGatewayReadSse(r.text);
    assert.ok(read.finished);
    assert.deepEqual(read.chunks.map((c) => c.choices[0]!.finish_reason), ['', '', 'stop']);
  });

  it('a runner whose first frame is an error gets a 500 before any header', async () => {
    mode = 'first-frame-error';
    const r = await post(BROKEN_LLM);
    assert.equal(r.status, 500);
    assert.match(r.text, /model not loaded/);
  });
});
