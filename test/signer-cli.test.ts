// `livepeer-ts signer` (and go-livepeer's `-remoteSigner` mode flag) as a process: usage errors
// exit 2 naming the flag, a public -httpAddr without auth refuses to start (exit 1) before any key
// or chain is looked at, and -help lists go-livepeer's flag names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnCli } from './cli-process.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = spawnCli(args, { env: { LIVEPEER_TS_PRIVATE_KEY: '', ...env }, timeoutMs: 60_000 });
  const code = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

describe('livepeer-ts signer (process)', () => {
  it('refuses a public -httpAddr without -authToken or a webhook (exit 1), as `signer` and as `-remoteSigner`', async () => {
    for (const args of [
      ['signer', '-httpAddr', '0.0.0.0:0', '-ethUrl', 'http://127.0.0.1:1'],
      ['-remoteSigner', '-httpAddr', '0.0.0.0:0', '-ethUrl', 'http://127.0.0.1:1'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /refusing to start: a remote signer on the public -httpAddr 0\.0\.0\.0:0/);
      assert.match(r.err, /-remoteSignerAllowNoAuth/);
      assert.equal(r.out, '');
    }
  });

  it('usage errors exit 2 and name the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['signer', '-bogus'], /unknown flag -bogus/],
      [['signer', '-network', 'offchain'], /-network offchain/],
      [['signer', '-liveAICapReportInterval', '5x'], /-liveAICapReportInterval takes a duration/],
      [['signer'], /-ethUrl is required/],
      [['signer', '-ethUrl', 'http://127.0.0.1:1'], /needs its key: -ethPrivateKey or env LIVEPEER_TS_PRIVATE_KEY/],
      [['-remoteSigner', '-gateway'], /-remoteSigner and -gateway are different modes/],
    ];
    for (const [args, want] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, want);
    }
  });

  it('a bad -maxPricePerCapability is refused at start (exit 1)', async () => {
    const r = await run(['signer', '-maxPricePerCapability', '{"capabilities_prices":[{"pipeline":"nope"}]}', '-ethUrl', 'http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.err, /not a known capability/);
  });

  it('-help lists go-livepeer\'s flag names', async () => {
    const r = await run(['signer', '-help']);
    assert.equal(r.code, 0);
    for (const f of ['-httpAddr', '-datadir', '-ethUrl', '-maxPricePerUnit', '-pixelsPerUnit', '-maxPricePerCapability', '-maxTicketEV', '-maxTotalEV', '-depositMultiplier', '-remoteSignerWebhookUrl', '-remoteSignerWebhookHeaders', '-remoteDiscovery', '-liveAICapReportInterval', '-authToken', '-statelessSigner', '-maxSpendPerSession', '-maxSpendPerAuthId', '-maxSpendTotal', '-remoteSignerAllowNoAuth']) {
      assert.ok(r.out.includes(`  ${f} `), f);
    }
  });
});
