import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../../money/index.js';
import { maxPriceFor, parseOrchAddrs, resolveGatewayConfig } from './config.js';
import { GatewayConfigError } from './errors.js';

const KEY = `0x${'11'.repeat(32)}`;

describe('gateway config', () => {
  it('parses -orchAddr like go-livepeer (bare host → :8935, :port → 127.0.0.1, https default)', () => {
    assert.deepEqual(parseOrchAddrs('o1.example, :9000 ,http://127.0.0.1:7000,https://o1.example:8935'), [
      'https://o1.example:8935',
      'https://127.0.0.1:9000',
      'http://127.0.0.1:7000',
    ]);
    assert.deepEqual(parseOrchAddrs(['a:1', 'b:2,c:3']), ['https://a:1', 'https://b:2', 'https://c:3']);
  });

  it('drops bad -orchAddr entries (go-livepeer logs and drops them) and names them', () => {
    const c = resolveGatewayConfig({ orchAddr: 'ftp://x:1,good.example' }, {});
    assert.deepEqual(c.orchestrators, ['https://good.example:8935']);
    assert.deepEqual(c.droppedOrchAddrs.map((d) => d.entry), ['ftp://x:1']);
  });

  it('discovery and selection flags: webhook scheme checked, blocklist normalised, weights validated, retry budget parsed', () => {
    const c = resolveGatewayConfig(
      {
        orchWebhookUrl: 'http://127.0.0.1:1/orchs',
        orchBlocklist: '0xAbCd000000000000000000000000000000000001, abcd000000000000000000000000000000000002',
        selection: { selectStakeWeight: 0.5, selectPriceWeight: 0.2, selectRandFreq: 0.3, selectLatencyBand: 40 },
        aiProcessingRetryTimeout: '2s',
      },
      {},
    );
    assert.equal(c.orchWebhookUrl, 'http://127.0.0.1:1/orchs');
    assert.deepEqual(c.orchBlocklist, ['abcd000000000000000000000000000000000001', 'abcd000000000000000000000000000000000002']);
    assert.deepEqual(c.selection, { stakeWeight: 0.5, priceWeight: 0.2, randWeight: 0.3, priceExpFactor: 100, latencyBandMs: 40 });
    assert.equal(c.retryTimeoutMs, 2000);
    assert.deepEqual(resolveGatewayConfig({}, {}).selection, { stakeWeight: 0.7, priceWeight: 0, randWeight: 0.3, priceExpFactor: 100 });
    assert.equal(resolveGatewayConfig({}, {}).retryTimeoutMs, 30_000);
    assert.throws(() => resolveGatewayConfig({ selection: { selectStakeWeight: 0.9 } }, {}), (e: unknown) => e instanceof GatewayConfigError && /add up to 1/.test(e.message));
    assert.throws(() => resolveGatewayConfig({ orchWebhookUrl: 'ftp://x/y' }, {}), (e: unknown) => e instanceof GatewayConfigError && /-orchWebhookUrl/.test(e.message));
  });

  it('defaults to go-livepeer gateway -httpAddr 127.0.0.1:9935, offchain, no max price', () => {
    const c = resolveGatewayConfig({}, {});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 9935);
    assert.equal(c.offchain, true);
    assert.equal(c.maxPrice, undefined);
    assert.equal(c.maxTicketEV, 3_000_000_000_000n);
    assert.equal(c.maxTotalEV, 20_000_000_000_000n);
    // The request bounds (docs/architecture.md, "Limits on unpaid input").
    const { maxBodyBytes, bodyIdleTimeoutMs, bodyTimeoutMs, headersTimeoutMs, idleTimeoutMs, maxUnpaidRequests } = c;
    assert.deepEqual(
      { maxBodyBytes, bodyIdleTimeoutMs, bodyTimeoutMs, headersTimeoutMs, idleTimeoutMs, maxUnpaidRequests },
      { maxBodyBytes: 64 * 1024 * 1024, bodyIdleTimeoutMs: 30_000, bodyTimeoutMs: 300_000, headersTimeoutMs: 30_000, idleTimeoutMs: 72_000, maxUnpaidRequests: 128 },
    );
    assert.throws(() => resolveGatewayConfig({ maxUnpaidRequests: 0 }, {}), /maxUnpaidRequests/);
  });

  it('refuses a non-loopback bind without an auth token', () => {
    assert.throws(() => resolveGatewayConfig({ httpAddr: '0.0.0.0:8935' }, {}), (e: unknown) => e instanceof GatewayConfigError && e.fatal && /auth token/.test(e.message));
    assert.equal(resolveGatewayConfig({ httpAddr: '0.0.0.0:0', authToken: 's3cret' }, {}).host, '0.0.0.0');
    assert.equal(resolveGatewayConfig({ httpAddr: '[::1]:0' }, {}).host, '::1');
  });

  it('treats localhost as loopback by rule and binds it as 127.0.0.1, never through the hosts file', () => {
    assert.equal(resolveGatewayConfig({ httpAddr: 'localhost:0' }, {}).host, '127.0.0.1');
    assert.equal(resolveGatewayConfig({ httpAddr: 'LOCALHOST:0' }, {}).host, '127.0.0.1');
    assert.equal(resolveGatewayConfig({ httpAddr: '127.1.2.3:0' }, {}).host, '127.1.2.3');
    // Names that merely resolve to loopback are not loopback: they need a token.
    for (const addr of ['localhost.localdomain:0', 'ip6-localhost:0', 'localhost.:0', '[::ffff:7f00:1]:0']) {
      assert.throws(() => resolveGatewayConfig({ httpAddr: addr }, {}), (e: unknown) => e instanceof GatewayConfigError && /auth token/.test(e.message), addr);
    }
  });

  it('needs -ethUrl, -ethController and a key on-chain; the key may come from the environment', () => {
    assert.throws(() => resolveGatewayConfig({ network: 'arbitrum-one-mainnet' }, {}), /ethUrl/);
    assert.throws(() => resolveGatewayConfig({ ethUrl: 'http://127.0.0.1:1' }, {}), /ethController/);
    assert.throws(() => resolveGatewayConfig({ ethUrl: 'http://127.0.0.1:1', ethController: `0x${'22'.repeat(20)}` }, {}), /LIVEPEER_TS_PRIVATE_KEY/);
    const c = resolveGatewayConfig({ ethUrl: 'http://127.0.0.1:1', ethController: `0x${'22'.repeat(20)}` }, { LIVEPEER_TS_PRIVATE_KEY: KEY });
    assert.equal(c.offchain, false);
    assert.equal(c.privateKey, KEY);
  });

  it('max price: exact rational of maxPricePerUnit / pixelsPerUnit, 0 = unlimited, currencies refused', () => {
    assert.ok(resolveGatewayConfig({ maxPricePerUnit: '0.5', pixelsPerUnit: '3' }, {}).maxPrice?.eq(Rat.of(1n, 6n)));
    assert.ok(resolveGatewayConfig({ maxPricePerUnit: 1000n }, {}).maxPrice?.eq(1000n));
    assert.ok(resolveGatewayConfig({ maxPricePerUnit: '100wei' }, {}).maxPrice?.eq(100n));
    assert.throws(() => resolveGatewayConfig({ maxPricePerUnit: '0.5USD' }, {}), /price feed/);
    assert.throws(() => resolveGatewayConfig({ pixelsPerUnit: '0' }, {}), /pixelsPerUnit/);
  });

  it('-maxPricePerCapability: model entry, then pipeline default, then the global max', () => {
    const c = resolveGatewayConfig(
      {
        maxPricePerUnit: '7',
        maxPricePerCapability: JSON.stringify({
          capabilities_prices: [
            { pipeline: 'text-to-image', model_id: 'm1', price_per_unit: 10, pixels_per_unit: 4 },
            { pipeline: 'text-to-image', price_per_unit: 3 },
            { pipeline: 'llm', model_id: 'x' },
          ],
        }),
      },
      {},
    );
    assert.ok(maxPriceFor(c, 'text-to-image', 'm1')?.eq(Rat.of(5n, 2n)));
    assert.ok(maxPriceFor(c, 'text-to-image', 'other')?.eq(3n));
    assert.ok(maxPriceFor(c, 'llm', 'x')?.eq(7n), 'no price → the global max');
    assert.ok(maxPriceFor(c, 'upscale', 'y')?.eq(7n));
    assert.throws(() => resolveGatewayConfig({ maxPricePerCapability: '{"capabilities_prices":[{"pipeline":"nope"}]}' }, {}), (e: unknown) => e instanceof GatewayConfigError && /pipeline "nope" is not a known capability/.test(e.message));
    assert.throws(
      () => resolveGatewayConfig({ maxPricePerCapability: '{"capabilities_prices":[{"pipeline":"llm","price_per_unit":"5"}]}' }, {}),
      /JSON number/,
    );
  });

  it('per-pipeline deadlines: defaults by job type, tuned by -aiRequestTimeouts (ms or Go durations), one -requestTimeoutMs for the rest', () => {
    const d = resolveGatewayConfig({}, {});
    assert.equal(d.requestTimeouts.llm, 600_000);
    assert.equal(d.requestTimeouts['text-to-image'], 180_000);
    assert.equal(d.requestTimeouts['segment-anything-2'], 120_000);
    assert.equal(d.pingIntervalMs, 3000);
    assert.equal(d.pingTimeoutMs, 3000);
    const t = resolveGatewayConfig({ aiRequestTimeouts: 'llm=90s, text-to-image=1500ms,upscale=2m,audio-to-text=0.5h,image-to-text=2500' }, {});
    assert.equal(t.requestTimeouts.llm, 90_000);
    assert.equal(t.requestTimeouts['text-to-image'], 1500);
    assert.equal(t.requestTimeouts.upscale, 120_000);
    assert.equal(t.requestTimeouts['audio-to-text'], 1_800_000);
    assert.equal(t.requestTimeouts['image-to-text'], 2500);
    assert.equal(t.requestTimeouts['image-to-image'], 180_000, 'not named: its default');
    const all = resolveGatewayConfig({ requestTimeoutMs: 5000, aiRequestTimeouts: { llm: '1m' } }, {});
    assert.equal(all.requestTimeouts['text-to-image'], 5000);
    assert.equal(all.requestTimeouts.llm, 60_000);
    for (const bad of ['llm', 'llm=', 'llm=0', 'llm=10x', 'llm=-5s', 'video=1m', 'llm=48h']) {
      assert.throws(() => resolveGatewayConfig({ aiRequestTimeouts: bad }, {}), (e: unknown) => e instanceof GatewayConfigError && /aiRequestTimeouts/.test(e.message), bad);
    }
  });
});
