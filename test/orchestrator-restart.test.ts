// Restarts keep sessions (issue 9 point 4): ticket params and the auth token an orchestrator issued
// before a restart are accepted by the next orchestrator started on the same data dir (new port,
// same key, real anvil devnet, real reference runner), and refused by one on a fresh data dir.
// Without double credit: tickets received before a clean restart cannot be replayed after it, and
// params issued before a crash (nonce memory lost) are refused.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { connectChain, startDevnet, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { Capability } from '../src/market/index.js';
import { Rat } from '../src/money/index.js';
import { ticketEV } from '../src/pm/index.js';
import { priceInfoFromWire, refusalFromHeaders, ticketParamsFromWire } from '../src/wire/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';
import { classifyFailure } from '../src/nodes/gateway/index.js';
import { NONCE_STATE_FILE } from '../src/nodes/orchestrator/nonce-state.js';
import { SECRETS_FILE } from '../src/nodes/orchestrator/secrets.js';
import { spawnCli } from './cli-process.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';

let dev: Devnet;
let chain: ChainAdapters;
let dir: string;
let t2i: ReferenceRunner;
let orchKey: `0x${string}`;
let gw: DevAccount;
const running = new Set<Orchestrator>();

const json = { 'content-type': 'application/json' };
const body = () => JSON.stringify({ prompt: 'a lighthouse', model_id: t2i.modelId, width: 32, height: 32 });

async function start(dataDir: string): Promise<Orchestrator> {
  const o = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    pollMs: 100,
    dataDir,
    ethPrivateKey: orchKey,
    aiModels: JSON.stringify([{ pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, price_per_unit: 1 }]),
  });
  running.add(o);
  return o;
}

async function stop(o: Orchestrator): Promise<void> {
  running.delete(o);
  await o.close();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-restart-'));
  dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 400n });
  orchKey = dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey;
  gw = dev.accounts.find((a) => a.role === 'gateway')!;
  chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, pollMs: 100 });
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
});

after(async () => {
  for (const o of running) await o.close();
  await t2i?.close();
  chain?.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('the first job after a restart on the same data dir succeeds with the params and auth token issued before', async () => {
  const dataDir = join(dir, 'kept');
  const first = await start(dataDir);
  // One client session against the first process: its params, price and auth token.
  const g = new TestGateway(gw.privateKey, chain.view, chain.senders, first.url, 'text-to-image', t2i.modelId);
  await g.refresh();
  const ok = await h2post(first.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(ok.status, 200, ok.text);
  const issuedBefore = g.info;
  const params = ticketParamsFromWire(issuedBefore.ticketParams!, priceInfoFromWire(issuedBefore.priceInfo!));
  const ev = ticketEV(params.faceValue, params.winProb);
  await stop(first);

  // Control 1: a fresh data dir (new secrets) refuses those credentials: the auth token first (403).
  const fresh = await start(join(dir, 'fresh'));
  const refused = await h2post(fresh.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.text, /invalid auth token/);
  assert.equal(fresh.stats().tickets.valid, 0);
  await stop(fresh);

  // Control 2: the auth-token secret kept but a different recipientRand secret: the token passes,
  // the ticket does not (its recipientRandHash is not this secret's), so nothing is credited.
  const mixedDir = join(dir, 'mixed');
  mkdirSync(mixedDir, { mode: 0o700 });
  const kept = JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(mixedDir, SECRETS_FILE), JSON.stringify({ ...kept, recipientRand: '5a'.repeat(32) }), { mode: 0o600 });
  // With the nonce memory too, so the params' boot is taken and the recipientRand is what fails.
  copyFileSync(join(dataDir, NONCE_STATE_FILE), join(mixedDir, NONCE_STATE_FILE));
  const mixed = await start(mixedDir);
  const noCredit = await h2post(mixed.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.notEqual(noCredit.status, 200, noCredit.text);
  assert.doesNotMatch(noCredit.text, /auth token/);
  assert.deepEqual(mixed.stats().refusals, { INVALID_RECIPIENT_RAND: 1 });
  assert.equal(mixed.stats().tickets.valid, 0);
  assert.ok(mixed.stats().evCredited.eq(Rat.ZERO));
  await stop(mixed);

  // The restart proper: same data dir, new port. The headers are built from the session opened
  // before the restart (no GetOrchestrator to the new process).
  const second = await start(dataDir);
  assert.notEqual(second.url, issuedBefore.transcoder);
  assert.equal(second.address, first.address);
  const r = await h2post(second.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(r.status, 200, r.text);
  assert.match(JSON.parse(r.text).images[0].url, /^data:image\/png/);
  const s = second.stats();
  assert.equal(s.tickets.valid, 1);
  assert.ok(s.evCredited.eq(ev), `credited ${s.evCredited} vs the ticket's EV ${ev}`);
  // 32 × 32 px at the price quoted before the restart.
  assert.ok(s.feesDebited.eq(Rat.of(32n * 32n * params.price.pricePerUnit, params.price.pixelsPerUnit)), `${s.feesDebited}`);
  const bal = second.balance(gw.address, `${Capability.TextToImage}_${t2i.modelId}`)!;
  assert.ok(bal.eq(ev.sub(s.feesDebited)), `${bal}`);
  await stop(second);
});

it('a copy of the secrets and the saved nonce memory moves the sessions with it (backup / restore)', async () => {
  const a = join(dir, 'orig');
  const first = await start(a);
  const g = new TestGateway(gw.privateKey, chain.view, chain.senders, first.url, 'text-to-image', t2i.modelId);
  await g.refresh();
  await stop(first);
  const b = join(dir, 'restored');
  mkdirSync(b, { mode: 0o700 });
  copyFileSync(join(a, SECRETS_FILE), join(b, SECRETS_FILE));
  copyFileSync(join(a, NONCE_STATE_FILE), join(b, NONCE_STATE_FILE));
  const restored = await start(b);
  const r = await h2post(restored.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(r.status, 200, r.text);
  assert.equal(restored.stats().tickets.valid, 1);
  await stop(restored);
});

it('after a clean restart the identical pre-restart payment is refused as a replay; a new ticket on the same params is credited', async () => {
  const dataDir = join(dir, 'replay');
  const first = await start(dataDir);
  const g = new TestGateway(gw.privateKey, chain.view, chain.senders, first.url, 'text-to-image', t2i.modelId);
  await g.refresh();
  const paid = await g.headers(1);
  const ok = await h2post(first.url, '/text-to-image', body(), { ...json, ...paid });
  assert.equal(ok.status, 200, ok.text);
  const params = ticketParamsFromWire(g.info.ticketParams!, priceInfoFromWire(g.info.priceInfo!));
  const ev = ticketEV(params.faceValue, params.winProb);
  assert.ok(first.stats().evCredited.eq(ev));
  await stop(first);

  const second = await start(dataDir);
  const replay = await h2post(second.url, '/text-to-image', body(), { ...json, ...paid });
  assert.equal(replay.status, 400, replay.text);
  assert.match(replay.text, /senderNonce: already seen/);
  assert.deepEqual(second.stats().refusals, { NONCE_ALREADY_SEEN: 1 });
  assert.ok(second.stats().evCredited.eq(Rat.ZERO), `replay credited ${second.stats().evCredited}`);
  // The session goes on: the next nonce on the params issued before the restart.
  const next = await h2post(second.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(next.status, 200, next.text);
  assert.equal(second.stats().tickets.valid, 1);
  assert.ok(second.stats().evCredited.eq(ev), `${second.stats().evCredited}`);
  await stop(second);

  // And again after a second clean restart: both payments are replays now.
  const third = await start(dataDir);
  const again = await h2post(third.url, '/text-to-image', body(), { ...json, ...paid });
  assert.equal(again.status, 400, again.text);
  assert.equal(third.stats().refusals.NONCE_ALREADY_SEEN, 1);
  assert.ok(third.stats().evCredited.eq(Rat.ZERO));
  await stop(third);
});

it('livepeer-ts orchestrator processes: SIGTERM keeps sessions; after SIGKILL params issued before it are refused, fresh params work', async () => {
  const dataDir = join(dir, 'crash');
  const models = JSON.stringify([{ pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, price_per_unit: 1 }]);
  const spawnOrch = async () => {
    const p = spawnCli(['orchestrator', '-serviceAddr', '127.0.0.1:0', '-network', 'devnet', '-ethUrl', dev.rpcUrl, '-ethController', dev.controller, '-dataDir', dataDir, '-aiModels', models], {
      env: { LIVEPEER_TS_PRIVATE_KEY: orchKey },
      timeoutMs: 90_000,
    });
    try {
      return { p, url: (JSON.parse(await p.firstLine()) as { url: string }).url };
    } catch (err) {
      await p.stop('SIGKILL');
      throw err;
    }
  };
  const a = await spawnOrch();
  const g = new TestGateway(gw.privateKey, chain.view, chain.senders, a.url, 'text-to-image', t2i.modelId);
  await g.refresh();
  const ok = await h2post(a.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(await a.p.stop('SIGTERM'), 0, a.p.stderr());
  // A clean stop of the CLI saves the nonce memory: the next process takes the session on.
  const b = await spawnOrch();
  const kept = await h2post(b.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(kept.status, 200, kept.text);
  assert.equal(await b.p.stop('SIGKILL'), null);

  const after = await start(dataDir);
  // A new nonce on the pre-crash params (issued by the first process, resumed by the second): the
  // crashed run's nonce memory is gone, so refused.
  const refused = await h2post(after.url, '/text-to-image', body(), { ...json, ...(await g.headers(1)) });
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.text, /fetch fresh params/);
  // Sent as code + reason; our gateway refreshes the session and retries here (go-livepeer's does
  // on the "TicketParams expired" wording).
  assert.deepEqual(refusalFromHeaders(refused.headers), { code: 'PAYMENT_REJECTED', reason: 'TICKET_PARAMS_UNKNOWN_BOOT' });
  assert.equal(classifyFailure(400, refusalFromHeaders(refused.headers), refused.text).kind, 'params-expired');
  // Without the headers (as from a go-livepeer orchestrator) the text alone says the same.
  assert.equal(classifyFailure(400, { code: undefined, reason: undefined }, refused.text).kind, 'params-expired');
  assert.deepEqual(after.stats().refusals, { TICKET_PARAMS_UNKNOWN_BOOT: 1 });
  assert.ok(after.stats().evCredited.eq(Rat.ZERO));
  // The gateway's remedy: GetOrchestrator again, new params (this run's boot), paid and credited.
  const g2 = new TestGateway(gw.privateKey, chain.view, chain.senders, after.url, 'text-to-image', t2i.modelId);
  await g2.refresh();
  const fresh = await h2post(after.url, '/text-to-image', body(), { ...json, ...(await g2.headers(1)) });
  assert.equal(fresh.status, 200, fresh.text);
  assert.equal(after.stats().tickets.valid, 1);
  await stop(after);
});
