import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LlmResponse, ReferenceRunner } from '../index.js';
import { RunnerClient, RunnerStatusError, multipartBody, parseWav, startReferenceRunner } from '../index.js';
import { fromDataUrl, testWav } from './testkit.js';

const runners: ReferenceRunner[] = [];
async function start(opts: Parameters<typeof startReferenceRunner>[0]) {
  const r = await startReferenceRunner(opts);
  runners.push(r);
  return r;
}
after(async () => {
  for (const r of runners) await r.close();
});
const status = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof RunnerStatusError, `expected RunnerStatusError, got ${String(e)}`);
  return e;
};

describe('reference audio-to-text', () => {
  let c: RunnerClient;
  before(async () => (c = new RunnerClient({ url: (await start({ pipeline: 'audio-to-text' })).url })));

  it('reports real facts about the WAV, with sound/silence chunks', async () => {
    const res = await c.run('audio-to-text', multipartBody({}, { audio: { data: testWav(), filename: 'a.wav', contentType: 'audio/wav' } }));
    assert.match(res.text, /no speech recognition/);
    assert.match(res.text, /16000 Hz, 1 channel\(s\), 16-bit pcm, 1\.250 s/);
    assert.match(res.text, /peak -6\.0 dBFS/);
    assert.deepEqual(res.chunks.map((c) => [c.timestamp, c.text.split(' ')[0]]), [[[0, 0.5], 'sound'], [[0.5, 1], 'silence'], [[1, 1.25], 'sound']]);
    assert.match(res.chunks[0]!.text, /RMS -9\.0 dBFS/);
    const none = await c.run('audio-to-text', multipartBody({ return_timestamps: 'false' }, { audio: { data: testWav() } }));
    assert.deepEqual(none.chunks, []);
    assert.equal(none.text, res.text);
  });

  it('not a WAV → 415 (ai-runner), no audio → 422', async () => {
    const e1 = await status(c.run('audio-to-text', multipartBody({}, { audio: { data: Buffer.from('ID3\x03 mp3') } })));
    assert.equal(e1.status, 415);
    assert.match(e1.runnerMessage, /^Unsupported audio format or malformed file/);
    assert.equal((await status(c.run('audio-to-text', multipartBody({ model_id: '' })))).status, 422);
  });
});

describe('reference text-to-speech', () => {
  let c: RunnerClient;
  before(async () => (c = new RunnerClient({ url: (await start({ pipeline: 'text-to-speech' })).url })));

  it('synthesises a WAV of 60 ms per character, deterministically', async () => {
    const res = await c.run('text-to-speech', { text: 'Hello, world' });
    const wav = parseWav(fromDataUrl(res.audio.url, 'audio/wav'));
    assert.equal(wav.sampleRate, 16000);
    assert.equal(wav.channels, 1);
    assert.equal(wav.frames, 12 * 960);
    // the comma and the space are silent; letters are not
    const rms = (from: number) => Math.sqrt(wav.samples.subarray(from, from + 960).reduce((a, v) => a + v * v, 0) / 960);
    assert.ok(rms(0) > 0.1);
    assert.equal(rms(5 * 960), 0);
    assert.equal(rms(6 * 960), 0);
    const again = await c.run('text-to-speech', { text: 'Hello, world' });
    assert.equal(again.audio.url, res.audio.url);
    const multipart = await c.run('text-to-speech', multipartBody({ text: 'Hello, world' }));
    assert.equal(multipart.audio.url, res.audio.url);
  });

  it('empty text → 400 "Text input must be provided."', async () => {
    const e = await status(c.run('text-to-speech', { text: '' }));
    assert.equal(e.status, 400);
    assert.deepEqual(e.body, { detail: { msg: 'Text input must be provided.' } });
  });
});

describe('reference llm', () => {
  let c: RunnerClient;
  const messages = [{ role: 'user', content: 'tell me about tickets' }];
  before(async () => (c = new RunnerClient({ url: (await start({ pipeline: 'llm', modelId: 'meta-llama/Meta-Llama-3.1-8B-Instruct' })).url })));

  it('non-stream JSON response is deterministic and counts tokens', async () => {
    const a = await c.run('llm', { messages, max_tokens: 256 });
    const b = await c.run('llm', { messages, max_tokens: 256 });
    assert.equal(a.choices[0]!.message!.content, b.choices[0]!.message!.content);
    assert.equal(a.model, 'meta-llama/Meta-Llama-3.1-8B-Instruct');
    assert.equal(a.choices[0]!.finish_reason, 'stop');
    assert.equal(a.usage.prompt_tokens, 4);
    assert.equal(a.usage.completion_tokens, a.choices[0]!.message!.content.split(' ').length);
    assert.equal(a.usage.total_tokens, a.usage.prompt_tokens + a.usage.completion_tokens);
  });

  it('streams SSE tokens that add up to the JSON answer; max_tokens cuts with "length"', async () => {
    const full = await c.run('llm', { messages, max_tokens: 256 });
    const chunks: LlmResponse[] = [];
    for await (const ch of c.streamLlm({ messages, max_tokens: 256 })) chunks.push(ch);
    const text = chunks.map((ch) => ch.choices[0]!.delta?.content ?? '').join('');
    assert.equal(text, full.choices[0]!.message!.content);
    assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'stop');
    assert.ok(chunks.slice(0, -1).every((ch) => ch.choices[0]!.finish_reason === ''));
    const cut = await c.run('llm', { messages, max_tokens: 3, stream: true });
    assert.equal(cut.usage.completion_tokens, 3);
    assert.equal(cut.choices[0]!.finish_reason, 'length');
    assert.equal(cut.choices[0]!.message!.content, full.choices[0]!.message!.content.split(' ').slice(0, 3).join(' '));
  });

  it('raw SSE ends with data: [DONE]', async () => {
    const res = await fetch(`${c.url}/llm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages, stream: true, max_tokens: 2 }) });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await res.text();
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.equal(text.split('\n\n').filter(Boolean).length, 4);
  });

  it('errors: no messages → 422, wrong model → 400', async () => {
    assert.equal((await status(c.run('llm', { max_tokens: 5 }))).status, 422);
    const e = await status(c.run('llm', { messages, model: 'other' }));
    assert.equal(e.status, 400);
    assert.match(e.runnerMessage, /pipeline configured with/);
  });
});

describe('reference runner service routes', () => {
  it('health, version and hardware say it is a CPU stand-in; token guards jobs', async () => {
    const r = await start({ pipeline: 'text-to-image', token: 'tok' });
    const anon = new RunnerClient({ url: r.url });
    assert.deepEqual(await anon.health(), { status: 'IDLE' });
    const v = await anon.version();
    assert.deepEqual([v.pipeline, v.model_id], ['text-to-image', 'stabilityai/sdxl-turbo']);
    assert.match(v.version, /cpu-reference/);
    const hw = (await anon.hardware()) as unknown as { gpu_info: object; note: string };
    assert.deepEqual(hw.gpu_info, {});
    assert.match(hw.note, /no GPU/);
    const e = await status(anon.run('text-to-image', { prompt: 'x', width: 8, height: 8 }));
    assert.equal(e.status, 401);
    assert.deepEqual(e.body, { detail: { msg: 'Invalid bearer token.' } });
    const ok = await new RunnerClient({ url: r.url, token: 'tok' }).run('text-to-image', { prompt: 'x', width: 8, height: 8 });
    assert.equal(ok.images.length, 1);
    const missing = await fetch(`${r.url}/nope`);
    assert.equal(missing.status, 404);
  });

  it('refuses a pipeline it has no reference for', async () => {
    await assert.rejects(startReferenceRunner({ pipeline: 'image-to-video' }), /no CPU reference runner/);
  });
});
