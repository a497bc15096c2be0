// Spawns the real CLI over the shared vectors plus malformed lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PM_VECTORS } from '../../test/fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/livepeer-ts.mjs', import.meta.url));
const VECTORS = PM_VECTORS;

function run(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const vectorLines = readFileSync(VECTORS, 'utf8').split('\n').filter((l) => l.trim());
const good = JSON.parse(vectorLines[0]!) as { ticket: Record<string, string>; sig: string; recipientRand: string };

const garbage: [string, RegExp][] = [
  ['not json at all', /bad JSON/],
  ['[1,2,3]', /JSON object/],
  ['{"sig":"0x00","recipientRand":"1"}', /missing field ticket/],
  [JSON.stringify({ ...good, ticket: { ...good.ticket, sender: undefined } }), /missing field ticket\.sender/],
  [JSON.stringify({ ...good, ticket: { ...good.ticket, recipient: '0x1234' } }), /ticket\.recipient must be 0x-prefixed hex of 20 bytes/],
  [JSON.stringify({ ...good, sig: '0xzz' }), /sig must be 0x-prefixed hex/],
  [JSON.stringify({ ...good, ticket: { ...good.ticket, senderNonce: '4294967296' } }), /ticket\.senderNonce 4294967296 is out of range/],
  [JSON.stringify({ ...good, ticket: { ...good.ticket, faceValue: (2n ** 256n).toString() } }), /ticket\.faceValue .* out of range/],
  [JSON.stringify({ ...good, ticket: { ...good.ticket, winProb: '-1' } }), /ticket\.winProb must be a non-negative integer/],
  [JSON.stringify({ ...good, recipientRand: '1.5' }), /recipientRand must be a non-negative integer/],
];

for (const backend of ['native', 'js']) {
  test(`pm check over every vector plus garbage lines (-crypto ${backend})`, async () => {
    const input = [...vectorLines.slice(0, 10), ...garbage.map((g) => g[0]), '', ...vectorLines.slice(10)].join('\n') + '\n';
    const { code, stdout, stderr } = await run(['pm', 'check', '-crypto', backend], input);
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`backend ${backend}`));
    const out = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(out.length, vectorLines.length + garbage.length);
    const results = [...out.slice(0, 10), ...out.slice(10 + garbage.length)];
    results.forEach((r, i) => {
      const v = JSON.parse(vectorLines[i]!) as { expect: Record<string, unknown> };
      const want: Record<string, unknown> = { hash: v.expect.hash };
      if (v.expect.signer) want.signer = v.expect.signer;
      want.sigValid = v.expect.sigValid;
      if (v.expect.sigValid) want.winning = v.expect.winning;
      else want.reason = v.expect.reason;
      assert.deepEqual(r, want, `vector line ${i + 1}`);
      assert.deepEqual(Object.keys(r), Object.keys(want), 'field order');
    });
    out.slice(10, 10 + garbage.length).forEach((r, i) => {
      assert.deepEqual(Object.keys(r), ['error'], `garbage line ${i + 1}`);
      assert.match(String(r.error), garbage[i]![1]);
    });
  });
}

test('pm check refuses unknown flags and subcommands with exit code 2', async () => {
  const a = await run(['pm', 'check', '-nope'], '');
  assert.equal(a.code, 2);
  assert.match(a.stderr, /unknown flag -nope/);
  const b = await run(['pm', 'frobnicate'], '');
  assert.equal(b.code, 2);
  const c = await run(['pm', 'check'], '');
  assert.equal(c.code, 0);
  assert.equal(c.stdout, '');
});
