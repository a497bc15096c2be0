// The gateway's market with real sockets on loopback (recording orchestrators with real gRPC and
// HTTPS, reference runners, HTTP discovery sources): one orchestrator killed mid-run, the jobs go
// on elsewhere and none runs twice, the dead one is shown suspended or silent with its reason and
// comes back once it is restarted; a silent orchestrator listed by the webhook or the remote signer
// empties nothing; stakes from the webhook set the probabilities the table shows; the include
// list pins a job.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startGateway, type GatewayHandle, type OrchestratorsTable } from '../src/nodes/gateway/index.js';
import { deadPeer, type DeadPeer } from './dead-peer.js';
import { startFakeOrchestrator, type FakeOrchestrator } from './gateway-fake-orchestrator.js';
import { startFakeSigner, type FakeSigner } from './gateway-signer-fake.js';

const key = (b: string) => `0x${b.repeat(32)}` as const;
let runner: ReferenceRunner;
const common = () => ({ runners: { 'text-to-image': runner.url }, models: { 'text-to-image': runner.modelId }, price: { pricePerUnit: 1n, pixelsPerUnit: 1n } });
const closers: (() => Promise<void> | void)[] = [];

async function post(g: GatewayHandle, prompt: string, headers: Record<string, string> = {}): Promise<{ status: number; json: { error?: { message: string; code: string; reason?: string } } }> {
  const res = await fetch(`${g.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ prompt, width: 16, height: 16 }) });
  return { status: res.status, json: (await res.json()) as { error?: { message: string; code: string } } };
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const row = (t: OrchestratorsTable, url: string) => t.orchestrators.find((r) => r.url === url);

/** A peer that accepts TCP connections and never says a byte: GetOrchestrator to it times out. */
async function silentPeer(): Promise<{ url: string; close(): Promise<void> }> {
  const socks = new Set<Socket>();
  const srv: TcpServer = createTcpServer((s) => {
    socks.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => {
      for (const s of socks) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

before(async () => {
  runner = await startReferenceRunner({ pipeline: 'text-to-image' });
  closers.push(() => runner.close());
});
after(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('one orchestrator killed mid-run', () => {
  let a: FakeOrchestrator;
  let b: FakeOrchestrator;
  let c: FakeOrchestrator;
  let cAgain: FakeOrchestrator | undefined;
  let proxy: DeadPeer;
  let gw: GatewayHandle;
  before(async () => {
    a = await startFakeOrchestrator({ ...common(), privateKey: key('b1') });
    b = await startFakeOrchestrator({ ...common(), privateKey: key('b2') });
    c = await startFakeOrchestrator({ ...common(), privateKey: key('b3') });
    // c is reached through a proxy whose address stays while c dies and comes back on a new port.
    proxy = await deadPeer();
    proxy.forwardTo(Number(new URL(c.url).port));
    gw = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [a.url, b.url, proxy.addr], logLevel: 'silent', suspendBaseMs: 200, suspendMs: 1000, connectTimeoutMs: 1000 });
    closers.push(() => gw.close(), () => a.close(), () => b.close(), () => proxy.close(), () => cAgain?.close());
  });

  it('the jobs go on elsewhere, none runs twice, the dead one shows why, and it recovers when restarted', async () => {
    const prompts: string[] = [];
    const run = async (n: number, tag: string) => {
      const batch = Array.from({ length: n }, (_, i) => `${tag} ${i}`);
      prompts.push(...batch);
      for (let i = 0; i < batch.length; i += 4) {
        const rs = await Promise.all(batch.slice(i, i + 4).map((p) => post(gw, p)));
        for (const r of rs) assert.equal(r.status, 200, JSON.stringify(r.json));
      }
    };
    await run(24, 'before');
    assert.ok(c.jobs.length > 0, 'c took part before it died');
    const cBefore = c.jobs.length;
    await c.close();
    proxy.cut();
    // A job pinned to c (the include list, go-livepeer PR #3634) finds it dead: c is suspended.
    const pinned = await post(gw, 'pinned to the dead one', { 'livepeer-parameters': JSON.stringify({ orchestrators: { include: [`https://${proxy.addr}`] } }) });
    assert.equal(pinned.status, 503);
    assert.equal(pinned.json.error!.code, 'GW_NO_ORCHESTRATORS');
    await run(24, 'after');
    assert.equal(c.jobs.length, cBefore, 'nothing reached the dead one');
    const t = await gw.orchestrators('text-to-image');
    const dead = row(t, `https://${proxy.addr}`)!;
    assert.ok(dead.qualifies === 'suspended' || dead.qualifies === 'no-answer', `dead one: ${dead.qualifies}`);
    assert.ok(dead.detail && dead.detail.length > 10, 'with a reason');
    assert.equal(row(t, a.url)!.qualifies, true);
    assert.equal(row(t, b.url)!.qualifies, true);

    cAgain = await startFakeOrchestrator({ ...common(), privateKey: key('b3') });
    proxy.forwardTo(Number(new URL(cAgain.url).port));
    await until('the restarted orchestrator qualifies again', async () => row(await gw.orchestrators('text-to-image'), `https://${proxy.addr}`)!.qualifies === true);
    let n = 0;
    while (cAgain.jobs.length === 0 && n < 200) {
      const r = await post(gw, `recovered ${n++}`);
      prompts.push(`recovered ${n - 1}`);
      assert.equal(r.status, 200);
    }
    assert.ok(cAgain.jobs.length > 0, 'jobs reach it again');

    // Every job ran to completion exactly once, across all orchestrators.
    const done = new Map<string, number>();
    for (const o of [a, b, c, cAgain]) {
      for (const j of o.jobs) if (j.status === 200) done.set(JSON.parse(j.body.toString()).prompt, (done.get(JSON.parse(j.body.toString()).prompt) ?? 0) + 1);
    }
    for (const p of prompts) assert.equal(done.get(p), 1, `"${p}" ran ${done.get(p) ?? 0} times`);
    assert.equal(gw.stats().jobs.ok, prompts.length);
  });
});

describe('webhook and remote-signer discovery with a silent orchestrator', () => {
  let a: FakeOrchestrator;
  let b: FakeOrchestrator;
  let silent: { url: string; close(): Promise<void> };
  let src: Server;
  let base = '';
  let list: unknown[] = [];
  let fakeSigner: FakeSigner;
  before(async () => {
    a = await startFakeOrchestrator({ ...common(), privateKey: key('c1') });
    b = await startFakeOrchestrator({ ...common(), privateKey: key('c2') });
    silent = await silentPeer();
    fakeSigner = await startFakeSigner();
    closers.push(() => fakeSigner.close());
    src = createHttpServer((req, res) => {
      if (req.url === '/orchestrators' || req.url === '/discover-orchestrators') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(list));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => src.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(src.address() as AddressInfo).port}`;
    closers.push(() => a.close(), () => b.close(), () => silent.close(), () => new Promise<void>((r) => src.close(() => r())));
  });

  for (const via of ['webhook', 'signer'] as const) {
    it(`${via}: jobs run on the answering ones, the silent one is listed with no-answer, and stakes set the probabilities`, async () => {
      // Stakes 1:3 (our webhook extension; go-livepeer reads only address and score).
      list = [
        { address: a.url, score: 1, stake: '1000' },
        { address: b.url, score: 1, stake: '3000' },
        { address: silent.url, score: 1, capabilities: ['text-to-image/x'] },
      ];
      fakeSigner.discovery = list;
      const gw = await startGateway({
        httpAddr: '127.0.0.1:0',
        // A remote signer signs too (its address and signature at start, the payments): the fake speaks the contract.
        ...(via === 'webhook' ? { orchWebhookUrl: `${base}/orchestrators` } : { remoteSignerUrl: fakeSigner.url }),
        logLevel: 'silent',
        connectTimeoutMs: 1500,
      });
      closers.push(() => gw.close());
      for (let i = 0; i < 6; i++) assert.equal((await post(gw, `${via} ${i}`)).status, 200);
      assert.equal(gw.sizes().discovered, 3, 'the silent one stays listed: nothing emptied the pool');
      let t = await gw.orchestrators('text-to-image');
      await until('the silent one has been given up on', async () => {
        t = await gw.orchestrators('text-to-image');
        return row(t, silent.url)!.qualifies === 'no-answer' && /GetOrchestrator|no answer/.test(row(t, silent.url)!.detail ?? '');
      });
      assert.deepEqual(row(t, silent.url)!.sources, [via]);
      // Default weights 0.7 stake, 0.3 random, over the two qualifiers: 0.7·s/Σs + 0.3/2.
      const pa = row(t, a.url)!.probability!;
      const pb = row(t, b.url)!.probability!;
      assert.ok(Math.abs(pa - (0.7 * 0.25 + 0.15)) < 1e-9, `a: ${pa}`);
      assert.ok(Math.abs(pb - (0.7 * 0.75 + 0.15)) < 1e-9, `b: ${pb}`);
      assert.equal(row(t, a.url)!.stake, '1000');
      await gw.close();
    });
  }
});

describe('session stickiness and the include/exclude list', () => {
  let orchs: FakeOrchestrator[];
  let gw: GatewayHandle;
  before(async () => {
    orchs = [await startFakeOrchestrator({ ...common(), privateKey: key('d1') }), await startFakeOrchestrator({ ...common(), privateKey: key('d2') }), await startFakeOrchestrator({ ...common(), privateKey: key('d3') })];
    gw = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: orchs.map((o) => o.url), logLevel: 'silent' });
    closers.push(() => gw.close(), ...orchs.map((o) => () => o.close()));
  });

  const counts = () => orchs.map((o) => o.jobs.length);
  const delta = (before: number[]) => counts().map((n, i) => n - before[i]!);

  it('a session key stays on one orchestrator until that one fails, then moves and stays on the new one', async () => {
    let before = counts();
    for (let i = 0; i < 10; i++) assert.equal((await post(gw, `sticky ${i}`, { 'livepeer-session': 'stream-1' })).status, 200);
    let d = delta(before);
    assert.equal(d.filter((n) => n > 0).length, 1, `one orchestrator took all: ${d}`);
    const first = d.findIndex((n) => n === 10);
    orchs[first]!.failWith = { status: 500, message: 'runner exploded' };
    before = counts();
    assert.equal((await post(gw, 'sticky after the failure', { 'livepeer-session': 'stream-1' })).status, 200);
    for (let i = 0; i < 8; i++) assert.equal((await post(gw, `sticky moved ${i}`, { 'livepeer-session': 'stream-1' })).status, 200);
    d = delta(before);
    assert.equal(d[first], 1, 'the failed one was tried once (then suspended)');
    assert.equal(d.filter((n, i) => i !== first && n > 0).length, 1, `then one other took them all: ${d}`);
    orchs[first]!.failWith = undefined;
    // Its backoff must run out before the next test: that one excludes the other two and needs it.
    await until('the failed one qualifies again', async () => row(await gw.orchestrators('text-to-image'), orchs[first]!.url)?.qualifies === true);
  });

  it('exclude keeps a job off the listed orchestrators; include pins it', async () => {
    const before = counts();
    const exclude = JSON.stringify({ orchestrators: { exclude: [orchs[0]!.url, orchs[1]!.url] } });
    for (let i = 0; i < 6; i++) assert.equal((await post(gw, `excluded ${i}`, { 'livepeer-parameters': exclude })).status, 200);
    assert.deepEqual(delta(before), [0, 0, 6]);
    const before2 = counts();
    const include = JSON.stringify({ orchestrators: { include: [orchs[1]!.address] } });
    for (let i = 0; i < 4; i++) assert.equal((await post(gw, `included ${i}`, { 'livepeer-parameters': include })).status, 200);
    assert.deepEqual(delta(before2), [0, 4, 0], 'an ETH address matches too');
    const bad = await post(gw, 'bad header', { 'livepeer-parameters': '{not json' });
    assert.equal(bad.status, 400);
  });
});
