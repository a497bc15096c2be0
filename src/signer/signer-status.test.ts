// 480, 481, 482, caps, >100 tickets, the clients' exact request shapes, the webhook seam, and two
// signer replicas sharing one SQLite store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parsePriceLimits } from '../market/index.js';
import { Rat } from '../money/index.js';
import { openStore } from '../store/index.js';
import { Rig, ctx, decodeStateWire, err, ok } from './testkit.js';


describe('statuses', () => {
  it('480 with Livepeer-Orchestrator-URL: auth token in its last 180 s, or params expired', async () => {
    const rig = new Rig();
    const s = rig.signer();
    const o = await s.generateLivePayment({ orchestrator: await rig.orch(undefined, { authExpiresIn: 179n }), type: 'lv2v' }, ctx());
    err(o, 480, 'SIGNER_REFRESH_SESSION');
    assert.equal(o.headers?.['Livepeer-Orchestrator-URL'], 'https://127.0.0.1:8935');
    const orch = await rig.orch();
    rig.chain.l1Block += 39n; // params expire at +40; ≤ 1 block left is expired
    err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()), 480, 'SIGNER_REFRESH_SESSION');
  });

  it('481: request maxPrice, configured max, the initial session price; a bad maxPrice unit is 400', async () => {
    const rig = new Rig();
    const s = rig.signer({ priceLimits: parsePriceLimits({ maxPricePerUnit: '5' }) });
    const orch2 = await rig.orch({ pricePerUnit: 2n, pixelsPerUnit: 1n });
    const a = err(await s.generateLivePayment({ orchestrator: orch2, type: 'lv2v', maxPrice: { price: '1.5', currency: 'wei', unit: '720p-pixel-seconds' } }, ctx()), 481, 'SIGNER_PRICE_EXCEEDED');
    assert.equal(a.error.message, 'orchestrator price 2.000 exceeds request maxPrice ceiling 1.500');
    err(await s.generateLivePayment({ orchestrator: await rig.orch({ pricePerUnit: 6n, pixelsPerUnit: 1n }), type: 'lv2v' }, ctx()), 481, 'SIGNER_PRICE_EXCEEDED');
    err(await s.generateLivePayment({ orchestrator: orch2, type: 'lv2v', maxPrice: { price: 3, currency: 'wei', unit: 'seconds' } }, ctx()), 400, 'SIGNER_BAD_REQUEST');
    const r = ok(await s.generateLivePayment({ orchestrator: orch2, type: 'lv2v' }, ctx()));
    const c = err(await s.generateLivePayment({ orchestrator: await rig.orch({ pricePerUnit: 3n, pixelsPerUnit: 1n }), type: 'lv2v', state: r.state, ManifestID: 'm' }, ctx()), 481, 'SIGNER_PRICE_EXCEEDED');
    assert.match(c.error.message, /initial session price/);
  });

  it('482 returns the unchanged state and retryAfterMs; calling later bills the whole time', async () => {
    const rig = new Rig(10n ** 12n); // one ticket covers ~600 s at 1 wei/px
    const s = rig.signer();
    const orch = await rig.orch();
    const r0 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()));
    rig.advance(5);
    // go-livepeer's rule: 482 only once the balance covers max(fee, EV); the second call tops it up past one EV.
    const r1 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r0.state, ManifestID: 'm' }, ctx()));
    const bal = Rat.parse(decodeStateWire(r1.state).Balance as string);
    rig.advance(5);
    const b = err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx()), 482, 'SIGNER_NO_TICKETS');
    assert.equal(b.error.message, 'no tickets');
    assert.deepEqual(b.state, r1.state);
    // The balance covers bal / 27,648,000 s at 1 wei/px; 5 s of it are gone.
    assert.equal(b.error.retryAfterMs, Number(bal.mul(1000n).div(27_648_000n).floor()) - 5000);
    rig.advance(b.error.retryAfterMs! / 1000 + 1);
    const r2 = ok(await s.generateLivePayment({ orchestrator: await rig.orch(), type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx()));
    assert.equal(decodeStateWire(r2.state).SequenceNumber, 2);
  });

  it('more than 100 tickets is 400 with go-livepeer\'s text', async () => {
    const rig = new Rig(100_000n);
    const s = rig.signer();
    const b = err(await s.generateLivePayment({ orchestrator: await rig.orch(), type: 'lv2v' }, ctx()), 400, 'SIGNER_TOO_MANY_TICKETS');
    assert.match(b.error.message, /^numTickets \d+ exceeds maximum of 100$/);
  });

  it('spend caps are refused (403) before anything is signed: the session can carry on under the cap', async () => {
    const rig = new Rig();
    const s = rig.signer({ caps: { maxSpendPerSession: 2_000_000_000n, maxSpendPerAuthId: 10n ** 18n } });
    const orch = await rig.orch();
    const r1 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx({ 'signer-auth-id': 'alice' })));
    await rig.credit(r1.payment);
    rig.advance(60);
    err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx({ 'signer-auth-id': 'alice' })), 403, 'SIGNER_SPEND_CAP');
    // Nothing advanced: the same state is still the latest (a refusal is not a replay).
    rig.advance(-59);
    ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx({ 'signer-auth-id': 'alice' })));
    const total = rig.signer({ caps: { maxSpendTotal: 1n } });
    err(await total.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()), 403, 'SIGNER_SPEND_CAP');
  });
});

describe('clients and seams', () => {
  it("go-livepeer's gateway and livepeer-python-gateway request shapes are accepted", async () => {
    const rig = new Rig();
    const s = rig.signer();
    const orch = await rig.orch();
    // go-livepeer: every field, null state bytes, inPixels 0, capabilities null, empty ManifestID.
    const go = ok(await s.generateLivePayment({ state: { State: null, Sig: null }, orchestrator: orch, ManifestID: '', inPixels: 0, type: 'lv2v', capabilities: null }, ctx()));
    rig.advance(5);
    // Python: orchestrator, type, ManifestID, the state dict exactly as returned.
    ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', ManifestID: 'abcd1234', state: go.state }, ctx()));
    // Go's case-insensitive keys: manifestId, STATE, Orchestrator.
    const py = ok(await s.generateLivePayment({ Orchestrator: orch, TYPE: 'lv2v' }, ctx()));
    rig.advance(5);
    ok(await s.generateLivePayment({ Orchestrator: orch, type: 'lv2v', manifestId: 'abcd1234', STATE: { state: py.state.State, sig: py.state.Sig } }, ctx()));
  });

  it('the webhook: refusal passed on, maxPrice → 481, a changed auth id → 500', async () => {
    const rig = new Rig();
    let answer: { status: number; reason?: string; authId?: string; maxPrice?: { price: string; currency: string; unit: string } } = { status: 200, authId: 'a1' };
    const s = rig.signer({ authorizer: { authorize: async () => answer } });
    const orch = await rig.orch();
    const r1 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()));
    assert.equal(decodeStateWire(r1.state).AuthID, 'a1');
    rig.advance(30);
    answer = { status: 200, authId: 'a2' };
    const b = err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx()), 500, 'SIGNER_AUTH_ID_CHANGED');
    assert.equal(b.error.message, 'Internal Server Error');
    answer = { status: 200, maxPrice: { price: '0.5', currency: 'wei', unit: '720p-pixel-seconds' } };
    err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx()), 481, 'SIGNER_PRICE_EXCEEDED');
    answer = { status: 403, reason: 'no credit' };
    assert.equal(err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()), 403, 'SIGNER_WEBHOOK_REFUSED').error.message, 'no credit');
  });
});

describe('replicas sharing one store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpts-signer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('a state replayed on the other replica is refused; a race between replicas has one winner', async () => {
    const rig = new Rig();
    const [sa, sb] = [await openStore({ backend: 'sqlite', dataDir: dir }), await openStore({ backend: 'sqlite', dataDir: dir })];
    const a = rig.signer({ store: sa.signerStates! });
    const b = rig.signer({ store: sb.signerStates! });
    const orch = await rig.orch();
    const r1 = ok(await a.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()));
    rig.advance(20);
    const r2 = ok(await b.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx()));
    rig.advance(20);
    const back = err(await a.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx()), 409, 'SIGNER_STATE_REPLAYED');
    assert.deepEqual(back.state, r2.state);
    const race = await Promise.all([a, b].map((x) => x.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r2.state, ManifestID: 'm' }, ctx())));
    assert.deepEqual(race.map((o) => o.status).sort(), [200, 409]);
    await sa.close();
    await sb.close();
  });
});
