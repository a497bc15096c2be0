// SegmentVerifier: a Livepeer-Segment header verified once is served from its cache, but only for
// the sender that signed it; the auth token's expiry and the capability check are applied on every
// use; refused headers are never kept; the cache is bounded. Real signatures and HMACs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generatePrivateKey } from 'viem/accounts';
import { aiJobCapabilities, pipelineToCapability } from '../../market/index.js';
import { localTicketSigner } from '../../pm/index.js';
import { createAuthToken, createPaymentSegCreds, encodeSegmentHeader } from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { OrchestratorError } from './errors.js';
import { SegmentVerifier } from './verify.js';

const secret = randomBytes(32);
const gateway = localTicketSigner(generatePrivateKey());
const stranger = localTicketSigner(generatePrivateKey());
const LLM = pipelineToCapability('llm')!;
const NOW = 1_800_000_000n;
const token = createAuthToken(secret, { now: NOW, validitySeconds: 600 });
const orchCaps = aiJobCapabilities('llm', 'm');

async function header(modelId = 'm', signer = gateway): Promise<string> {
  const caps = capabilitiesToWire(aiJobCapabilities('llm', modelId));
  return encodeSegmentHeader(await createPaymentSegCreds({ manifestId: `${LLM}_${modelId}`, authToken: token, capabilities: caps }, signer));
}

function refusal(fn: () => unknown): OrchestratorError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof OrchestratorError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

describe('SegmentVerifier', () => {
  it('serves a header it verified again, but only for the sender who signed it', async () => {
    let now = NOW;
    const v = new SegmentVerifier({ offchain: false, authSecret: secret, now: () => now });
    const h = await header();
    const first = v.verify(h, gateway.address, orchCaps);
    assert.equal(Buffer.from(first.manifestId).toString(), `${LLM}_m`);
    now += 60n;
    assert.equal(v.verify(h, gateway.address, orchCaps), first, 'the second use is the verified credentials, not a new decode');
    assert.equal(v.size, 1);
    const e = refusal(() => v.verify(h, stranger.address, orchCaps));
    assert.equal(e.code, 'BAD_SEGMENT_SIGNATURE');
    assert.equal(e.status, 403);
  });

  it('checks the auth token expiry on every use: an expired token is refused even after it was cached', async () => {
    let now = NOW;
    const v = new SegmentVerifier({ offchain: false, authSecret: secret, now: () => now });
    const h = await header();
    v.verify(h, gateway.address, orchCaps);
    now = token.expiration; // the last second it is valid
    v.verify(h, gateway.address, orchCaps);
    now = token.expiration + 1n;
    const e = refusal(() => v.verify(h, gateway.address, orchCaps));
    assert.equal(e.code, 'AUTH_TOKEN');
    assert.equal(e.reason, 'WIRE_EXPIRED_AUTH_TOKEN');
    assert.equal(v.size, 0, 'the expired entry is dropped');
  });

  it('checks the capabilities against the orchestrator on every use', async () => {
    const v = new SegmentVerifier({ offchain: false, authSecret: secret, now: () => NOW });
    const h = await header();
    v.verify(h, gateway.address, orchCaps);
    const e = refusal(() => v.verify(h, gateway.address, aiJobCapabilities('llm', 'another-model')));
    assert.equal(e.code, 'INCOMPATIBLE_CAPABILITIES');
    assert.equal(e.reason, 'model-missing');
  });

  it('keeps no refused header, and at most maxEntries verified ones', async () => {
    const v = new SegmentVerifier({ offchain: false, authSecret: secret, maxEntries: 3, now: () => NOW });
    refusal(() => v.verify('not base64!', gateway.address, orchCaps));
    refusal(() => v.verify(`${'A'.repeat(8)}`, gateway.address, orchCaps));
    const forged = await header('m', stranger);
    refusal(() => v.verify(forged, gateway.address, orchCaps));
    assert.equal(v.size, 0);
    const caps = aiJobCapabilities('llm', 'm');
    for (const m of ['m1', 'm2', 'm3', 'm4', 'm5']) {
      const orch = { ...caps, perCapability: new Map([[LLM, new Map([[m, { warm: false, capacity: 1, runnerVersion: '', capacityInUse: 0 }]])]]) };
      v.verify(await header(m), gateway.address, orch);
    }
    assert.equal(v.size, 3);
  });
});
