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

  it('defaults to go-livepeer gateway -httpAddr 127.0.0.1:9935, offchain, no max price', () => {
    const c = resolveGatewayConfig({}, {});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 9935);
    assert.equal(c.offchain, true);
    assert.equal(c.maxPrice, undefined);
    assert.equal(c.maxTicketEV, 3_000_000_000_000n);
    assert.equal(c.maxTotalEV, 20_000_000_000_000n);
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
    assert.throws(() => resolveGatewayConfig({ maxPricePerCapability: '{"capabilities_prices":[{"pipeline":"nope"}]}' }, {}), /unknown pipeline/);
    assert.throws(
      () => resolveGatewayConfig({ maxPricePerCapability: '{"capabilities_prices":[{"pipeline":"llm","price_per_unit":"5"}]}' }, {}),
      /JSON number/,
    );
  });
});
