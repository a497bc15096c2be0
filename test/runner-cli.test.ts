// `livepeer-ts runner` as a separate process: prints its JSON line, serves the ai-runner API on
// 127.0.0.1 (checked through the runner client) and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunnerClient } from '../src/ai/index.js';
import { spawnCli } from './cli-process.js';

describe('livepeer-ts runner', () => {
  it('serves llm on a free port and exits 0 on SIGTERM', async () => {
    const p = spawnCli(['runner', '-pipeline', 'llm', '-port', '0', '-model_id', 'tiny/llm']);
    try {
      const info = JSON.parse(await p.firstLine()) as { url: string; pipeline: string; model_id: string; version: string };
      assert.equal(info.pipeline, 'llm');
      assert.equal(info.model_id, 'tiny/llm');
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const c = new RunnerClient({ url: info.url });
      assert.equal((await c.version()).model_id, 'tiny/llm');
      const res = await c.run('llm', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
      assert.ok(res.usage.completion_tokens > 0 && res.usage.completion_tokens <= 5);
      assert.equal(await p.stop(), 0);
    } finally {
      await p.stop('SIGKILL');
    }
  });

  it('serves live-video-to-video (the CPU stand-in live runner) and exits 0 on SIGTERM', async () => {
    const p = spawnCli(['runner', '-pipeline', 'live-video-to-video', '-port', '0', '-capacity', '2']);
    try {
      const info = JSON.parse(await p.firstLine()) as { url: string; pipeline: string; model_id: string };
      assert.equal(info.pipeline, 'live-video-to-video');
      assert.equal(info.model_id, 'noop');
      const version = (await (await fetch(`${info.url}/version`)).json()) as { pipeline: string; note: string };
      assert.equal(version.pipeline, 'live-video-to-video');
      assert.match(version.note, /CPU stand-in/);
      const status = (await (await fetch(`${info.url}/stream/status`)).json()) as { additional_info: { capacity: number } };
      assert.equal(status.additional_info.capacity, 2);
      const start = await fetch(`${info.url}/live-video-to-video`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"subscribe_url":"http://127.0.0.1:1/x"}' });
      assert.equal(start.status, 400);
      assert.equal(await p.stop(), 0);
    } finally {
      await p.stop('SIGKILL');
    }
  });

  it('refuses an unknown pipeline with a usage error', async () => {
    const p = spawnCli(['runner', '-pipeline', 'image-to-video'], { timeoutMs: 60_000 });
    assert.equal(await p.exited, 2);
    assert.match(p.stderr(), /no CPU reference runner/);
  });
});
