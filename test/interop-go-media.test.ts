// Interop with go-livepeer, media side: the units our gateway pays for and our orchestrator
// debits, from the same real media files (made with ffmpeg at test time), through the nodes'
// own request readers behind real Fastify request handling (multipart included). Expected values
// are go-livepeer's rules written out: image pixels from the header (PNG, JPEG, GIF), audio
// whole seconds × 1000 (lpms: duration / AV_TIME_BASE, integer), llm max_tokens (the gateway fills
// in 256, the orchestrator refuses its absence with 400 "MaxTokens not specified").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import multipartPlugin from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { makeImage, makeTone, type AudioFormat } from '../src/media/testkit.js';
import { GatewayError } from '../src/nodes/gateway/errors.js';
import { parseJsonJob, parseMultipartJob } from '../src/nodes/gateway/jobs.js';
import { OrchestratorError } from '../src/nodes/orchestrator/errors.js';
import { parseJob } from '../src/nodes/orchestrator/jobs.js';

type Side = 'gateway' | 'orchestrator';
interface Answer {
  status: number;
  units?: string;
  message?: string;
  reason?: string;
  body?: string;
}

let app: FastifyInstance;

before(async () => {
  app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  await app.register(multipartPlugin, { limits: { fileSize: 64 * 1024 * 1024 } });
  app.post('/:side/:pipeline', async (req, reply) => {
    const { side, pipeline } = req.params as { side: Side; pipeline: string };
    try {
      if (side === 'orchestrator') {
        const job = await parseJob(pipeline as never, req);
        return { status: 200, units: String(job.units) };
      }
      const job = ['text-to-image', 'llm', 'text-to-speech'].includes(pipeline) ? parseJsonJob(pipeline as never, req) : await parseMultipartJob(pipeline as never, req);
      return { status: 200, units: String(job.units), body: Buffer.from(job.body).toString('latin1') };
    } catch (err) {
      if (err instanceof OrchestratorError) return reply.send({ status: err.status, message: err.message, reason: err.reason });
      if (err instanceof GatewayError) return reply.send({ status: err.status, message: err.message });
      throw err;
    }
  });
  await app.ready();
});
after(() => app.close());

async function send(side: Side, pipeline: string, file: { field: string; data: Uint8Array; name: string }, fields: Record<string, string> = {}): Promise<Answer> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append(file.field, new Blob([file.data]), file.name);
  const req = new Request('http://x/', { method: 'POST', body: form });
  const res = await app.inject({ method: 'POST', url: `/${side}/${pipeline}`, headers: { 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) });
  return res.json() as Answer;
}

async function sendJson(side: Side, pipeline: string, body: unknown): Promise<Answer> {
  const res = await app.inject({ method: 'POST', url: `/${side}/${pipeline}`, payload: body as object });
  return res.json() as Answer;
}

describe('input images: both sides count the header size (PNG, JPEG, GIF)', () => {
  for (const format of ['png', 'jpg', 'gif'] as const) {
    it(`${format} 320×200, image-to-image × 2 images = 128 000 units on both sides`, async () => {
      const image = { field: 'image', data: await makeImage(format, 320, 200), name: `a.${format}` };
      for (const side of ['gateway', 'orchestrator'] as const) {
        const a = await send(side, 'image-to-image', image, { prompt: 'x', num_images_per_prompt: '2' });
        assert.deepEqual([a.status, a.units], [200, '128000'], `${side}: ${JSON.stringify(a)}`);
        const u = await send(side, 'upscale', image, { prompt: 'x' });
        assert.equal(u.units, '64000');
      }
    });
  }
  it('a BMP is refused on both sides with go-livepeer\'s "image: unknown format"', async () => {
    const image = { field: 'image', data: await makeImage('bmp', 8, 8), name: 'a.bmp' };
    for (const side of ['gateway', 'orchestrator'] as const) {
      const a = await send(side, 'image-to-text', image);
      assert.equal(a.status, 400);
      assert.match(a.message!, /^image: unknown format/);
    }
  });
});

describe('input audio: whole seconds × 1000 on both sides, under 1 s refused', () => {
  const cases: [AudioFormat, number, string][] = [
    ['wav', 2.5, '2000'],
    ['mp3', 3.7, '3000'],
    ['flac', 1.2, '1000'],
    ['ogg', 2.5, '2000'],
    ['m4a', 4.5, '4000'],
    ['webm', 2.5, '2000'],
  ];
  for (const [format, seconds, units] of cases) {
    it(`${format} of ${seconds} s = ${units} units`, async () => {
      const audio = { field: 'audio', data: await makeTone(format, seconds), name: `a.${format}` };
      const o = await send('orchestrator', 'audio-to-text', audio);
      const g = await send('gateway', 'audio-to-text', audio);
      assert.deepEqual([o.status, o.units], [200, units], JSON.stringify(o));
      assert.deepEqual([g.status, g.units], [200, units], JSON.stringify(g));
      // the gateway tells the runner the duration, as go-livepeer's gateway does (metadata.duration)
      assert.match(g.body!, new RegExp(`name="metadata"\\r\\n\\r\\n\\{"duration":"${Number(units) / 1000}"\\}`));
    });
  }
  it('0.6 s: the gateway answers go\'s "audio duration calculation failed", the orchestrator "Unable to calculate duration"', async () => {
    const audio = { field: 'audio', data: await makeTone('mp3', 0.6), name: 'a.mp3' };
    const g = await send('gateway', 'audio-to-text', audio);
    assert.equal(g.status, 400);
    assert.match(g.message!, /^audio duration calculation failed: /);
    const o = await send('orchestrator', 'audio-to-text', audio);
    assert.deepEqual([o.status, o.message, o.reason], [400, 'Unable to calculate duration', 'AUDIO_TOO_SHORT']);
  });
  it('the client\'s own JSON metadata is kept next to the duration', async () => {
    const audio = { field: 'audio', data: await makeTone('wav', 1.5), name: 'a.wav' };
    const g = await send('gateway', 'audio-to-text', audio, { metadata: '{"lang":"en"}' });
    assert.match(g.body!, /\{"lang":"en","duration":"1"\}/);
  });
});

describe('llm max_tokens', () => {
  const messages = [{ role: 'user', content: 'hi' }];
  it('the gateway always sends it (256 when the client gave none) and pays for it', async () => {
    const g = await sendJson('gateway', 'llm', { messages });
    assert.equal(g.units, '256');
    assert.equal((JSON.parse(g.body!) as { max_tokens: number }).max_tokens, 256);
    assert.equal((await sendJson('gateway', 'llm', { messages, max_tokens: 40 })).units, '40');
  });
  it('the orchestrator refuses a job without it: 400 "MaxTokens not specified"', async () => {
    const o = await sendJson('orchestrator', 'llm', { messages, model: 'm' });
    assert.deepEqual([o.status, o.message, o.reason], [400, 'MaxTokens not specified', 'MAX_TOKENS_MISSING']);
    assert.equal((await sendJson('orchestrator', 'llm', { messages, model: 'm', max_tokens: 40 })).units, '40');
  });
});
