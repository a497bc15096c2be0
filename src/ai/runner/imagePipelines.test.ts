import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReferenceRunner } from '../index.js';
import { RunnerClient, RunnerStatusError, decodePng, multipartBody, startReferenceRunner } from '../index.js';
import { fromDataUrl, testImage, testPng } from './testkit.js';

const runners: ReferenceRunner[] = [];
async function client(pipeline: Parameters<typeof startReferenceRunner>[0]['pipeline'], modelId?: string) {
  const r = await startReferenceRunner({ pipeline, ...(modelId ? { modelId } : {}) });
  runners.push(r);
  return new RunnerClient({ url: r.url });
}
after(async () => {
  for (const r of runners) await r.close();
});

const png = (url: string) => decodePng(fromDataUrl(url, 'image/png'));
const status = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof RunnerStatusError, `expected RunnerStatusError, got ${String(e)}`);
  return e;
};

describe('reference text-to-image', () => {
  let c: RunnerClient;
  before(async () => (c = await client('text-to-image')));

  it('renders PNGs of the requested size and count, seeds seed+i', async () => {
    const res = await c.run('text-to-image', { prompt: 'a red fox', width: 64, height: 48, num_images_per_prompt: 3, seed: 7 });
    assert.equal(res.images.length, 3);
    assert.deepEqual(res.images.map((i) => i.seed), [7, 8, 9]);
    for (const im of res.images) {
      const img = png(im.url);
      assert.equal(img.width, 64);
      assert.equal(img.height, 48);
      assert.equal(im.nsfw, false);
      assert.match(img.text?.Software ?? '', /CPU reference/);
    }
    assert.notDeepEqual(png(res.images[0]!.url).data, png(res.images[1]!.url).data);
  });

  it('is deterministic for the same prompt and seed; differs for another prompt', async () => {
    const a = await c.run('text-to-image', { prompt: 'a red fox', width: 32, height: 32, seed: 1 });
    const b = await c.run('text-to-image', { prompt: 'a red fox', width: 32, height: 32, seed: 1 });
    const d = await c.run('text-to-image', { prompt: 'a blue whale', width: 32, height: 32, seed: 1 });
    assert.equal(a.images[0]!.url, b.images[0]!.url);
    assert.notEqual(a.images[0]!.url, d.images[0]!.url);
    const noSeed1 = await c.run('text-to-image', { prompt: 'same', width: 16, height: 16 });
    const noSeed2 = await c.run('text-to-image', { prompt: 'same', width: 16, height: 16 });
    assert.equal(noSeed1.images[0]!.seed, noSeed2.images[0]!.seed);
  });

  it('defaults to 512×512', async () => {
    const res = await c.run('text-to-image', { prompt: 'x' });
    const img = png(res.images[0]!.url);
    assert.deepEqual([img.width, img.height], [512, 512]);
  });

  it('errors: missing prompt → 422 list, bad size → 400, wrong model → 400, multipart → 400', async () => {
    const e1 = await status(c.run('text-to-image', { width: 64 }));
    assert.equal(e1.status, 422);
    assert.deepEqual(e1.body, { detail: [{ type: 'missing', loc: ['body', 'prompt'], msg: 'Field required' }] });
    const e2 = await status(c.run('text-to-image', { prompt: 'x', width: 65 }));
    assert.equal(e2.status, 400);
    assert.match(e2.runnerMessage, /divisible by 8/);
    assert.deepEqual(Object.keys(e2.body as object), ['detail']);
    const e3 = await status(c.run('text-to-image', { prompt: 'x', model_id: 'other/model' }));
    assert.equal(e3.status, 400);
    assert.match(e3.runnerMessage, /pipeline configured with stabilityai\/sdxl-turbo but called with other\/model/);
    const e4 = await status(c.run('text-to-image', multipartBody({ prompt: 'x' })));
    assert.equal(e4.status, 400);
    const e5 = await status(c.run('text-to-image', { prompt: 'x', width: 'wide' }));
    assert.equal(e5.status, 422);
  });

  it('malformed JSON → 400 in ai-runner shape', async () => {
    const runner = runners[0]!;
    const res = await fetch(`${runner.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { detail: { msg: string } };
    assert.equal(typeof body.detail.msg, 'string');
  });
});

describe('reference image-to-image', () => {
  let c: RunnerClient;
  before(async () => (c = await client('image-to-image')));
  const body = (fields: Record<string, string | number>) => multipartBody(fields, { image: { data: testPng(), filename: 'in.png', contentType: 'image/png' } });

  it('inverts the upload at strength 1, keeps its size, n images', async () => {
    const res = await c.run('image-to-image', body({ prompt: 'invert it', strength: 1, num_images_per_prompt: 2 }));
    assert.equal(res.images.length, 2);
    const out = png(res.images[0]!.url);
    const src = testImage();
    assert.deepEqual([out.width, out.height], [src.width, src.height]);
    for (let i = 0; i < src.data.length; i += 4) assert.equal(out.data[i], 255 - src.data[i]!);
  });

  it('strength 0 returns the original; sepia differs from grayscale; deterministic', async () => {
    const same = png((await c.run('image-to-image', body({ prompt: 'sepia', strength: 0 }))).images[0]!.url);
    assert.deepEqual(same.data, testImage().data);
    const s1 = await c.run('image-to-image', body({ prompt: 'old sepia photo', strength: 0.7, seed: 3 }));
    const s2 = await c.run('image-to-image', body({ prompt: 'old sepia photo', strength: 0.7, seed: 3 }));
    const g = await c.run('image-to-image', body({ prompt: 'grayscale', strength: 0.7, seed: 3 }));
    assert.equal(s1.images[0]!.url, s2.images[0]!.url);
    assert.notEqual(s1.images[0]!.url, g.images[0]!.url);
  });

  it('errors: not a PNG → 400; no image → 422; JSON body → 400', async () => {
    const e1 = await status(c.run('image-to-image', multipartBody({ prompt: 'x' }, { image: { data: Buffer.from('\xff\xd8\xff jpeg'), filename: 'a.jpg' } })));
    assert.equal(e1.status, 400);
    assert.match(e1.runnerMessage, /PNG/);
    const e2 = await status(c.run('image-to-image', multipartBody({ prompt: 'x' })));
    assert.equal(e2.status, 422);
    const e3 = await status(c.run('image-to-image', { prompt: 'x' }));
    assert.equal(e3.status, 400);
  });
});

describe('reference upscale', () => {
  it('resamples 4× by default and 2× for an x2 model', async () => {
    const c4 = await client('upscale');
    const res = await c4.run('upscale', multipartBody({ prompt: 'sharp' }, { image: { data: testPng(20, 10) } }));
    const out = png(res.images[0]!.url);
    assert.deepEqual([out.width, out.height], [80, 40]);
    // centre of the bright square stays bright, corner stays dark
    assert.ok(out.data[(20 * 80 + 40) * 4]! > 200);
    assert.ok(out.data[0]! < 80);
    const c2 = await client('upscale', 'stabilityai/sd-x2-latent-upscaler');
    const out2 = png((await c2.run('upscale', multipartBody({ prompt: 's' }, { image: { data: testPng(20, 10) } }))).images[0]!.url);
    assert.deepEqual([out2.width, out2.height], [40, 20]);
  });
});

describe('reference image-to-text', () => {
  it('describes real statistics of the image', async () => {
    const c = await client('image-to-text');
    const res = await c.run('image-to-text', multipartBody({ prompt: 'a photo of' }, { image: { data: testPng(64, 48) } }));
    assert.match(res.text, /^a photo of a 64x48 /);
    assert.match(res.text, /edge pixels/);
    const again = await c.run('image-to-text', multipartBody({ prompt: 'a photo of' }, { image: { data: testPng(64, 48) } }));
    assert.equal(again.text, res.text);
  });
});

describe('reference segment-anything-2', () => {
  let c: RunnerClient;
  before(async () => (c = await client('segment-anything-2')));

  it('a point inside the bright square segments exactly the square (3 masks by default)', async () => {
    const res = await c.run('segment-anything-2', multipartBody({ point_coords: '[[32, 24]]', point_labels: '[1]' }, { image: { data: testPng(64, 48) } }));
    const masks = JSON.parse(res.masks) as number[][][];
    const scores = JSON.parse(res.scores) as number[];
    const logits = JSON.parse(res.logits) as number[][][];
    assert.equal(masks.length, 3);
    assert.equal(scores.length, 3);
    assert.equal(logits.length, 3);
    const m = masks[0]!;
    assert.equal(m.length, 48);
    assert.equal(m[0]!.length, 64);
    let count = 0;
    for (let y = 0; y < 48; y++) for (let x = 0; x < 64; x++) {
      const inSquare = x >= 16 && x < 48 && y >= 12 && y < 36;
      assert.equal(m[y]![x], inSquare ? 1 : 0, `pixel ${x},${y}`);
      count += m[y]![x]!;
    }
    assert.equal(count, 32 * 24);
    assert.ok(scores[0]! > 0.8);
  });

  it('without prompts uses Otsu; single mask when multimask_output is false; box limits it', async () => {
    const res = await c.run('segment-anything-2', multipartBody({ multimask_output: 'false', box: '[0, 0, 32, 48]' }, { image: { data: testPng(64, 48) } }));
    const masks = JSON.parse(res.masks) as number[][][];
    assert.equal(masks.length, 1);
    const total = masks[0]!.flat().reduce((a, b) => a + b, 0);
    assert.equal(total, 16 * 24, 'left half of the square');
  });

  it('bad point_coords → 422/400', async () => {
    const e1 = await status(c.run('segment-anything-2', multipartBody({ point_coords: '[[1,' }, { image: { data: testPng() } })));
    assert.equal(e1.status, 422);
    const e2 = await status(c.run('segment-anything-2', multipartBody({ point_coords: '[[999, 1]]' }, { image: { data: testPng() } })));
    assert.equal(e2.status, 400);
  });
});
