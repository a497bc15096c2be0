// The signer node's /metrics: Prometheus text fed by the service's events (calls by type, status and
// code, tickets and EV signed, spend per auth id, latency) and by the HTTP layer's own answers; the
// auth-id label set is bounded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Rat } from '../src/money/index.js';
import { MAX_AUTH_ID_LABELS, SignerMetrics, startSignerNode, type SignerNodeHandle } from '../src/nodes/signer/index.js';
import { call, stubSigner } from './signer-testkit.js';

describe('signer node: /metrics', () => {
  let node: SignerNodeHandle;
  before(async () => {
    node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', service: (s) => stubSigner(s) });
  });
  after(() => node.close());

  it('counts calls by type, status and code, tickets, EV and spend per auth id, and the HTTP layer\'s refusals', async () => {
    const post = (body: unknown) => call(node.url, '/generate-live-payment', { body: JSON.stringify(body) });
    await post({ type: 'lv2v', tickets: 3, authId: 'acct-1' });
    await post({ type: 'lv2v', tickets: 2, authId: 'acct-1' });
    await post({ type: 'live', tickets: 1 });
    await post({ type: 'lv2v', want: 482 });
    await post({ type: 'fixed', want: 481 });
    await call(node.url, '/generate-live-payment', { body: '{' });
    await call(node.url, '/nope', { method: 'GET' });
    const r = await call(node.url, '/metrics', { method: 'GET' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const lines = new Set(r.text.split('\n'));
    for (const want of [
      'livepeer_signer_calls_total{type="lv2v",status="200",code=""} 2',
      'livepeer_signer_calls_total{type="live",status="200",code=""} 1',
      'livepeer_signer_calls_total{type="lv2v",status="482",code="CODE_482"} 1',
      'livepeer_signer_calls_total{type="fixed",status="481",code="CODE_481"} 1',
      'livepeer_signer_tickets_signed_total{type="lv2v"} 5',
      'livepeer_signer_tickets_signed_total{type="live"} 1',
      // The stub signs tickets × 1000/3 wei of EV.
      `livepeer_signer_ev_signed_wei_total{type="lv2v"} ${1000 + 2000 / 3}`,
      `livepeer_signer_spend_wei_total{auth_id="acct-1"} ${1000 + 2000 / 3}`,
      `livepeer_signer_spend_wei_total{auth_id="(none)"} ${1000 / 3}`,
      'livepeer_signer_call_duration_seconds_count{type="lv2v"} 3',
      'livepeer_signer_http_requests_total{route="generate-live-payment",status="400"} 1',
      'livepeer_signer_http_requests_total{route="other",status="404"} 1',
      '# TYPE livepeer_signer_call_duration_seconds histogram',
    ]) {
      assert.ok(lines.has(want), `missing: ${want}`);
    }
    const s = node.metrics.snapshot();
    assert.equal(s.ticketsSigned, 6);
    assert.ok(s.evSigned.eq(Rat.of(2000n)), s.evSigned.toString());
  });

  it('at most MAX_AUTH_ID_LABELS auth ids get their own series; the rest are "(other)", exactly summed', async () => {
    const m = new SignerMetrics();
    for (let i = 0; i < MAX_AUTH_ID_LABELS + 50; i++) m.signed('live', 1, Rat.of(2n), `id-${i}`);
    const series = (await m.text()).split('\n').filter((l) => l.startsWith('livepeer_signer_spend_wei_total{'));
    assert.equal(series.length, MAX_AUTH_ID_LABELS + 1);
    assert.ok(series.includes('livepeer_signer_spend_wei_total{auth_id="(other)"} 100'));
    assert.ok(m.snapshot().spendByAuthId['(other)']!.eq(Rat.of(100n)));
  });

  it('label values are escaped', async () => {
    const m = new SignerMetrics();
    m.signed('', 1, Rat.of(1n), 'a"b\\c\nd');
    const text = await m.text();
    assert.ok(text.includes('livepeer_signer_spend_wei_total{auth_id="a\\"b\\\\c\\nd"} 1'));
    assert.ok(text.includes('livepeer_signer_tickets_signed_total{type="untyped"} 1'));
  });

  it('latency histograms: cumulative buckets, _sum and _count, per job type and per route', async () => {
    const m = new SignerMetrics();
    m.call('lv2v', 200, undefined, 0.2);
    m.call('lv2v', 200, undefined, 3);
    m.call('lv2v', 482, 'SIGNER_NO_TICKETS', 30);
    m.request('generate-live-payment', 200, 0.7);
    const lines = new Set((await m.text()).split('\n'));
    for (const want of [
      'livepeer_signer_call_duration_seconds_bucket{le="0.0005",type="lv2v"} 1',
      'livepeer_signer_call_duration_seconds_bucket{le="0.001",type="lv2v"} 1',
      'livepeer_signer_call_duration_seconds_bucket{le="0.005",type="lv2v"} 2',
      'livepeer_signer_call_duration_seconds_bucket{le="0.025",type="lv2v"} 2',
      'livepeer_signer_call_duration_seconds_bucket{le="0.05",type="lv2v"} 3',
      'livepeer_signer_call_duration_seconds_bucket{le="+Inf",type="lv2v"} 3',
      'livepeer_signer_call_duration_seconds_count{type="lv2v"} 3',
      'livepeer_signer_calls_total{type="lv2v",status="482",code="SIGNER_NO_TICKETS"} 1',
      'livepeer_signer_http_request_duration_seconds_bucket{le="0.0005",route="generate-live-payment"} 0',
      'livepeer_signer_http_request_duration_seconds_bucket{le="0.001",route="generate-live-payment"} 1',
      'livepeer_signer_http_request_duration_seconds_count{route="generate-live-payment"} 1',
      '# TYPE livepeer_signer_http_request_duration_seconds histogram',
    ]) {
      assert.ok(lines.has(want), `missing: ${want}`);
    }
    const sum = [...lines].find((l) => l.startsWith('livepeer_signer_call_duration_seconds_sum{type="lv2v"} '));
    assert.ok(sum && Math.abs(Number(sum.split(' ')[1]) - 0.0332) < 1e-9, sum);
  });

  it('each node has its own registry: two signer nodes in one process count apart', async () => {
    const other = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', service: (s) => stubSigner(s) });
    try {
      const before = await call(node.url, '/metrics', { method: 'GET' });
      const count = (text: string) => text.split('\n').find((l) => l.startsWith('livepeer_signer_tickets_signed_total{type="fixed"} '));
      await call(other.url, '/generate-live-payment', { body: JSON.stringify({ type: 'fixed', tickets: 7 }) });
      const mine = await call(other.url, '/metrics', { method: 'GET' });
      const theirs = await call(node.url, '/metrics', { method: 'GET' });
      assert.equal(count(mine.text), 'livepeer_signer_tickets_signed_total{type="fixed"} 7');
      assert.equal(count(theirs.text), count(before.text));
      assert.equal(other.metrics.snapshot().ticketsSigned, 7);
    } finally {
      await other.close();
    }
  });
});
