// The signer's hot-path caches give exactly what the work they save would have: a state sent back as
// issued is accepted, but the same bytes under another signature, or other bytes under the issued
// signature, are still refused as go-livepeer refuses them (400 "invalid sig"); the same state in
// other base64 (CR/LF, which Go's decoder ignores) is verified and accepted; segment credentials
// reused for one (manifest, OrchestratorInfo) are the ones a fresh signature gives; and an
// OrchestratorInfo cached after one call still gets its price checked against a new ceiling.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSegmentHeader } from '../wire/index.js';
import { Rig, ctx, decodeStateWire, err, ok } from './testkit.js';

describe('signer caches', () => {
  it('an issued state skips nothing that refuses a forged one', async () => {
    const rig = new Rig();
    const s = rig.signer();
    const orchestrator = await rig.orch();
    const r1 = ok(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm1' }, ctx()));
    rig.advance(5);
    // Other bytes (one character of the state changed) under the issued signature.
    const raw = Buffer.from(r1.state.State, 'base64').toString('utf8').replace('"App":""', '"App":"x"');
    const forged = { State: Buffer.from(raw).toString('base64'), Sig: r1.state.Sig };
    const b1 = err(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm1', state: forged }, ctx()), 400, 'SIGNER_INVALID_STATE');
    assert.equal(b1.error.message, 'invalid sig');
    // The issued bytes under another signature (its last byte flipped: v 27 ↔ 28).
    const sig = Buffer.from(r1.state.Sig, 'base64');
    sig[64] = sig[64] === 27 ? 28 : 27;
    const b2 = err(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm1', state: { State: r1.state.State, Sig: sig.toString('base64') } }, ctx()), 400, 'SIGNER_INVALID_STATE');
    assert.equal(b2.error.message, 'invalid sig');
    // The issued state in other base64 text (a line break Go's decoder drops): verified, accepted.
    const wrapped = `${r1.state.State.slice(0, 40)}\r\n${r1.state.State.slice(40)}`;
    const r2 = ok(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm1', state: { State: wrapped, Sig: r1.state.Sig } }, ctx()));
    assert.equal(decodeStateWire(r2.state).SequenceNumber, 1);
    // Then exactly as issued (the cached path): accepted, the session carries on.
    rig.advance(5);
    const r3 = ok(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm1', state: r2.state }, ctx()));
    assert.equal(decodeStateWire(r3.state).SequenceNumber, 2);
    // The replay of an older state is still refused (it is no longer the cached one).
    err(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm1', state: r2.state }, ctx()), 409, 'SIGNER_STATE_REPLAYED');
    // Segment credentials: the same for one manifest and OrchestratorInfo, signed by the signer, another manifest's differ.
    assert.equal(r3.segCreds, r1.segCreds);
    const other = ok(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm2' }, ctx()));
    assert.notEqual(other.segCreds, r1.segCreds);
    assert.equal(new TextDecoder().decode(decodeSegmentHeader(other.segCreds).manifestId), 'm2');
    const fresh = ok(await rig.signer().generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm1' }, ctx()));
    assert.equal(fresh.segCreds, r1.segCreds, 'a signer without the cache signs the same credentials (RFC 6979)');
    await s.close();
  });

  it('a cached OrchestratorInfo is still priced against each request\'s ceiling', async () => {
    const rig = new Rig();
    const s = rig.signer();
    const orchestrator = await rig.orch({ pricePerUnit: 3n, pixelsPerUnit: 1n });
    ok(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm' }, ctx()));
    const maxPrice = { price: '2', currency: 'wei', unit: '720p-pixel-seconds' };
    err(await s.generateLivePayment({ orchestrator, type: 'lv2v', ManifestID: 'm', maxPrice }, ctx()), 481, 'SIGNER_PRICE_EXCEEDED');
    await s.close();
  });
});
