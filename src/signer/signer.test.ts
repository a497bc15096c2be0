// The remote signer against a real pm Recipient (the orchestrator side) on an in-memory chain view.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../money/index.js';
import { decodeSegmentHeader } from '../wire/index.js';
import { Rig, ctx, decodeStateWire, err, ok } from './testkit.js';

/** 60 s × 1280·720·30 px at 1 wei/px, written out. */
const LV2V_PRELOAD_FEE = 1_658_880_000n;

describe('fresh sessions (null state)', () => {
  it('lv2v preloads 60 s; the orchestrator credits exactly the EV signed; state as go-livepeer has it', async () => {
    const rig = new Rig();
    const s = rig.signer();
    const r = ok(await s.generateLivePayment({ orchestrator: await rig.orch(), type: 'lv2v' }, ctx()));
    const st = decodeStateWire(r.state);
    assert.equal(st.SequenceNumber, 0);
    assert.equal(st.LastUpdate, '2027-01-15T08:00:00Z');
    assert.equal(st.OrchestratorAddress, '0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
    assert.equal(st.InitialPricePerUnit, 1);
    assert.equal(typeof st.StateID, 'string');
    assert.ok((st.StateID as string).length >= 32, 'replay-proof mode uses long random StateIDs');
    const c = await rig.credit(r.payment);
    assert.deepEqual(c.errors, []);
    const ev = c.ev;
    const n = BigInt(c.nonces.length);
    assert.deepEqual(c.nonces, Array.from({ length: c.nonces.length }, (_, i) => BigInt(i + 1)));
    assert.equal(n, Rat.from(LV2V_PRELOAD_FEE).div(ev).ceil());
    assert.ok(c.credited.eq(ev.mul(n)), 'credited EV = EV signed');
    assert.equal(st.Balance, ev.mul(n).sub(LV2V_PRELOAD_FEE).toString());
    assert.equal(st.SenderNonce, Number(n));
    const seg = decodeSegmentHeader(r.segCreds);
    assert.equal(new TextDecoder().decode(seg.manifestId).length, 8, "a random 8-character manifest id, as go-livepeer's");
    assert.equal(new TextDecoder().decode(seg.profiles), 'invalid');
    await s.close();
  });

  it('live preloads 10 s, fixed bills 1 unit, untyped bills inPixels (0 → 400)', async () => {
    const rig = new Rig(1n);
    const s = rig.signer();
    const price = { pricePerUnit: 1000n, pixelsPerUnit: 1n };
    for (const [type, extra, fee] of [['live', {}, 10_000n], ['fixed', {}, 1000n], ['', { inPixels: 7 }, 7000n]] as const) {
      rig.recipient = rig.newRecipient(1000n);
      const r = ok(await s.generateLivePayment({ orchestrator: await rig.orch(price), type, ...extra }, ctx()));
      const c = await rig.credit(r.payment);
      const st = decodeStateWire(r.state);
      assert.equal(Rat.parse(st.Balance as string).add(fee).toString(), c.credited.toString(), `${type}: balance = credited − fee`);
    }
    err(await s.generateLivePayment({ orchestrator: await rig.orch(price), type: '', inPixels: 0 }, ctx()), 400, 'SIGNER_BAD_REQUEST');
    const bad = err(await s.generateLivePayment({ orchestrator: await rig.orch(price), type: 'video' }, ctx()), 400, 'SIGNER_BAD_REQUEST');
    assert.equal(bad.error.message, 'invalid job type');
  });
});

describe('continuing, tampering, replay, concurrency', () => {
  it('continues after 12 s: bills 12 s, nonces carry on, the orchestrator accepts every ticket', async () => {
    const rig = new Rig();
    const s = rig.signer();
    const orch = await rig.orch();
    const r1 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()));
    const c1 = await rig.credit(r1.payment);
    rig.advance(12 + 1e-3); // 12.001 s: 331,776,000 + 27,648 px
    const r2 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'mid-1' }, ctx()));
    const c2 = await rig.credit(r2.payment);
    assert.deepEqual(c2.errors, []);
    assert.equal(c2.nonces[0], BigInt(c1.nonces.length + 1), 'same params: nonces continue');
    const st2 = decodeStateWire(r2.state);
    assert.equal(st2.SequenceNumber, 1);
    const fee2 = 331_776_000n + 27_648n;
    assert.equal(st2.Balance, Rat.parse(decodeStateWire(r1.state).Balance as string).add(c2.credited).sub(fee2).toString());
  });

  it('a tampered state is 400 "invalid sig"; another orchestrator, app or type is 400; no ManifestID is 400', async () => {
    const rig = new Rig();
    const s = rig.signer();
    const orch = await rig.orch();
    const r1 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()));
    const raw = Buffer.from(r1.state.State, 'base64');
    { const i = raw.indexOf('"Balance":"') + 11; raw[i] = raw[i]! ^ 1; }
    const t = err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: { State: raw.toString('base64'), Sig: r1.state.Sig }, ManifestID: 'm' }, ctx()), 400, 'SIGNER_INVALID_STATE');
    assert.equal(t.error.message, 'invalid sig');
    const sig = Buffer.from(r1.state.Sig, 'base64');
    sig[64] = sig[64]! - 27; // v 0/1: refused like go-livepeer's VerifySig
    err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: { State: r1.state.State, Sig: sig.toString('base64') }, ManifestID: 'm' }, ctx()), 400, 'SIGNER_INVALID_STATE');
    assert.equal(err(await s.generateLivePayment({ orchestrator: orch, type: 'live', state: r1.state, ManifestID: 'm' }, ctx()), 400, 'SIGNER_INVALID_STATE').error.message, 'job type mismatch');
    assert.equal(err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', app: 'x', state: r1.state, ManifestID: 'm' }, ctx()), 400, 'SIGNER_INVALID_STATE').error.message, 'app mismatch');
    assert.equal(err(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state }, ctx()), 400, 'SIGNER_BAD_REQUEST').error.message, 'missing manifestID');
    const unpadded = orch.replace(/=+$/, '');
    if (unpadded !== orch) err(await s.generateLivePayment({ orchestrator: unpadded, type: 'lv2v' }, ctx()), 400, 'SIGNER_BAD_REQUEST');
  });

  it('a replayed state: ours refuses (409 with the latest state); statelessSigner re-bills and rolls the balance back', async () => {
    for (const stateless of [false, true]) {
      const rig = new Rig();
      const s = rig.signer({ statelessSigner: stateless });
      const orch = await rig.orch();
      const r1 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()));
      await rig.credit(r1.payment);
      rig.advance(30);
      const r2 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx()));
      await rig.credit(r2.payment);
      rig.advance(30);
      const replay = await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx());
      if (!stateless) {
        const b = err(replay, 409, 'SIGNER_STATE_REPLAYED');
        assert.equal(b.error.latestSequenceNumber, '1');
        assert.deepEqual(b.state, r2.state, 'the latest state comes back, byte for byte');
        // …and the client carries on with it.
        ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: b.state, ManifestID: 'm' }, ctx()));
      } else {
        const r3 = ok(replay);
        const st3 = decodeStateWire(r3.state);
        assert.equal(st3.SequenceNumber, 1, 'the same sequence number again');
        const c3 = await rig.credit(r3.payment);
        assert.ok(c3.errors.includes('TICKET_NONCE_DUPLICATE') || c3.errors.length > 0, 'overlapping nonces: the orchestrator refuses them');
        assert.ok(c3.nonces[0]! <= BigInt(decodeStateWire(r2.state).SenderNonce as number), 'nonces rewound');
      }
      await s.close();
    }
  });

  it('two concurrent calls with one state: one 200, one 409, no nonce signed twice', async () => {
    const rig = new Rig();
    const s = rig.signer();
    const orch = await rig.orch();
    const r1 = ok(await s.generateLivePayment({ orchestrator: orch, type: 'lv2v' }, ctx()));
    await rig.credit(r1.payment);
    rig.advance(20);
    const both = await Promise.all([0, 1].map(() => s.generateLivePayment({ orchestrator: orch, type: 'lv2v', state: r1.state, ManifestID: 'm' }, ctx())));
    assert.deepEqual(both.map((o) => o.status).sort(), [200, 409]);
    const win = ok(both.find((o) => o.status === 200)!);
    const c = await rig.credit(win.payment);
    assert.deepEqual(c.errors, []);
  });
});
