// `livepeer-ts live` as a separate process against an in-process devnet (gateway → orchestrator →
// CPU live runner on anvil, as test/live-devnet.test.ts): it publishes a generated test video in
// real time, writes the transformed segments to -out, prints progress on stderr and one JSON line on
// stdout, and exits 0; the fees it prints are its seconds paid × the price, to the wei.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeMedia } from '../src/media/index.js';
import { Rat } from '../src/money/index.js';
import { startLocalNetwork, type LocalNetwork } from '../src/nodes/demo/network.js';
import { spawnCli } from './cli-process.js';

const PRICE_PER_SECOND = 200_000_000_000_000n;
let net: LocalNetwork;
const dir = mkdtempSync(join(tmpdir(), 'live-cli-'));

before(async () => {
  net = await startLocalNetwork({
    models: [{ pipeline: 'live-video-to-video', modelId: 'noop', pricePerUnit: PRICE_PER_SECOND.toString(), capacity: 1 }],
    orchestrator: { ticketEV: 140_000_000_000_000n, txCostMultiplier: 10n, autoAdjustPrice: false, livePaymentInterval: '1s' },
    gateway: { livePaymentInterval: '1s', livePreloadSeconds: 10, maxTicketEV: '200000000000000', maxTotalEV: '20000000000000000', logLevel: 'silent' },
  });
});

after(async () => {
  await net?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('livepeer-ts live', { timeout: 180_000 }, () => {
  it('streams a generated video through the gateway, prints progress and a JSON summary, exits 0', async () => {
    const out = join(dir, 'out.ts');
    const p = spawnCli(['live', '-gateway', net.gateway.url, '-seconds', '6', '-stream', 'cli', '-params', '{"filter":"grayscale"}', '-out', out], { timeoutMs: 150_000 });
    const code = await p.exited;
    assert.equal(code, 0, p.stderr());
    const lines = p.stdout().trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as { stream: string; segments_in: number; segments_out: number; seconds_paid: string; fees_wei: string; stop_reason: { code: string } | null };
    assert.equal(summary.stream, 'cli');
    assert.ok(summary.segments_in >= 5, JSON.stringify(summary));
    assert.ok(summary.segments_out >= 3, JSON.stringify(summary));
    assert.ok(summary.stop_reason === null || summary.stop_reason.code === 'GW_LIVE_STOPPED', JSON.stringify(summary));
    // seconds paid (3 decimals) × price, by hand.
    const [s, ms] = summary.seconds_paid.split('.') as [string, string];
    const billedMs = BigInt(s) * 1000n + BigInt(ms);
    assert.ok(billedMs > 0n);
    assert.ok(Rat.parse(summary.fees_wei).eq(Rat.of(billedMs * PRICE_PER_SECOND, 1000n)), `${summary.fees_wei} for ${summary.seconds_paid} s`);
    // Progress on stderr, every second: segments in and out, and the seconds paid.
    assert.ok(p.stderr().split('\n').filter((l) => /in/.test(l) && /out/.test(l)).length >= 3, p.stderr());
    // The output file is the transformed MPEG-TS.
    const data = readFileSync(out);
    assert.ok(data.length > 0);
    const probe = await probeMedia(new Uint8Array(data));
    assert.ok(probe.streams.some((x) => x.codecType === 'video'), JSON.stringify(probe.streams));
    assert.equal(net.gateway.sizes().liveStreams, 0);
  });
});
