// `livepeer-ts runner` as a separate process: prints its JSON line, serves the ai-runner API on
// 127.0.0.1 (checked through the runner client) and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunnerClient } from '../src/ai/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'livepeer-ts.mjs');

describe('livepeer-ts runner', () => {
  it('serves llm on a free port and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'runner', '-pipeline', 'llm', '-port', '0', '-model_id', 'tiny/llm'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    try {
      let buf = '';
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const nl = buf.indexOf('\n');
          if (nl >= 0) resolve(buf.slice(0, nl));
        });
        child.once('exit', (code) => reject(new Error(`runner exited early with ${code}`)));
      });
      const info = JSON.parse(line) as { url: string; pipeline: string; model_id: string; version: string };
      assert.equal(info.pipeline, 'llm');
      assert.equal(info.model_id, 'tiny/llm');
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const c = new RunnerClient({ url: info.url });
      assert.equal((await c.version()).model_id, 'tiny/llm');
      const res = await c.run('llm', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
      assert.ok(res.usage.completion_tokens > 0 && res.usage.completion_tokens <= 5);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses an unknown pipeline with a usage error', async () => {
    const child = spawn(process.execPath, [bin, 'runner', '-pipeline', 'image-to-video'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(killer);
    assert.equal(code, 2);
    assert.match(stderr, /no CPU reference runner/);
  });
});
