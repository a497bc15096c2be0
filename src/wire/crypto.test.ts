// Segment credentials, OrchestratorRequest / Ping signatures and auth tokens, cross-checked against
// viem's independent keccak256 and personal_sign.
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { concat, keccak256 as viemKeccak, stringToBytes, hexToBytes, recoverMessageAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { localTicketSigner } from '../pm/index.js';
import { AuthTokenSchema, SegDataSchema, VideoProfileSchema } from './gen/net/lp_rpc_pb.js';
import { authTokenHmac, createAuthToken, verifyAuthToken, AUTH_TOKEN_VALIDITY_SECONDS } from './auth-token.js';
import { decodeSegmentHeader, encodeSegmentHeader } from './codec.js';
import { AuthTokenError, HeaderDecodeError, InvalidFieldError, WireSignatureError } from './errors.js';
import {
  createOrchestratorRequest,
  orchestratorRequestHash,
  signPing,
  verifyOrchestratorRequest,
  verifyPing,
} from './orch-request.js';
import {
  checkSegMetadata,
  createPaymentSegCreds,
  EMPTY_KECCAK,
  MAX_SEGMENT_DURATION_MS,
  segCredsFlatten,
  segProfilesHex,
  signSegData,
  verifySegDataSig,
  verifySegmentCredentials,
} from './segcreds.js';

const KEY = `0x${'42'.repeat(32)}` as const;
const signer = localTicketSigner(KEY);
const account = privateKeyToAccount(KEY);
const other = localTicketSigner(`0x${'43'.repeat(32)}`);

const isSigErr = (reason: string) => (e: unknown) => e instanceof WireSignatureError && e.reason === reason && e.code === 'WIRE_INVALID_SIGNATURE';

test('keccak of empty data is c5d2…a470', () => {
  assert.equal(Buffer.from(EMPTY_KECCAK).toString('hex'), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
});

test('OrchestratorRequest.sig = personal_sign(keccak256(checksummed address)), same as viem', async () => {
  assert.equal(signer.address, account.address);
  const req = await createOrchestratorRequest(signer, { ignoreCapacityCheck: true });
  assert.deepEqual(req.address, hexToBytes(account.address));
  assert.equal(req.ignoreCapacityCheck, true);
  const hash = viemKeccak(stringToBytes(account.address)); // checksummed string, 0x included
  assert.deepEqual(orchestratorRequestHash(account.address.toLowerCase()), hexToBytes(hash));
  const viemSig = await account.signMessage({ message: { raw: hash } });
  assert.deepEqual(req.sig, hexToBytes(viemSig)); // RFC 6979: deterministic, so byte-equal
  assert.equal(verifyOrchestratorRequest(req), account.address);

  // A remote signer's (address, sig) pair can be used without a local key.
  const remote = await createOrchestratorRequest(undefined, { address: account.address, sig: hexToBytes(viemSig) });
  assert.equal(verifyOrchestratorRequest(remote), account.address);

  assert.throws(() => verifyOrchestratorRequest({ address: req.address, sig: (() => { const s = Uint8Array.from(req.sig); s[64] = 1; return s; })() }), isSigErr('v-not-27-28'));
  assert.throws(() => verifyOrchestratorRequest({ address: req.address, sig: req.sig.subarray(0, 64) }), isSigErr('length-64'));
  const otherReq = await createOrchestratorRequest(other);
  assert.throws(() => verifyOrchestratorRequest({ address: req.address, sig: otherReq.sig }), isSigErr('wrong-signer'));
  assert.throws(() => verifyOrchestratorRequest({ address: new Uint8Array(19), sig: req.sig }), InvalidFieldError);
});

test('Ping answer is personal_sign(keccak256(value))', async () => {
  const value = Uint8Array.of(1, 2, 3);
  const answer = await signPing(value, signer);
  const viemSig = await account.signMessage({ message: { raw: viemKeccak(value) } });
  assert.deepEqual(answer, hexToBytes(viemSig));
  verifyPing(value, answer, account.address);
  assert.throws(() => verifyPing(Uint8Array.of(9), answer, account.address), isSigErr('wrong-signer'));
});

test('payment segment credentials as genSegCreds makes them; signature over the flatten, checked by viem', async () => {
  const token = createAuthToken(new Uint8Array(32).fill(1), { now: 1_000n, sessionId: 'sess' });
  const seg = await createPaymentSegCreds({ manifestId: 'abc', authToken: token }, signer);
  assert.deepEqual(seg.manifestId, stringToBytes('abc'));
  assert.equal(seg.seq, 0n);
  assert.deepEqual(seg.hash, EMPTY_KECCAK);
  assert.deepEqual(seg.profiles, stringToBytes('invalid'));
  assert.equal(seg.duration, 0);
  assert.equal(seg.fullProfiles.length, 0);
  assert.equal(seg.authToken?.sessionId, 'sess');
  // Flatten = manifestId ‖ pad32(seq) ‖ hash ‖ "" (live: no profiles).
  const flat = concat([stringToBytes('abc'), new Uint8Array(32), EMPTY_KECCAK]);
  assert.deepEqual(segCredsFlatten(seg), flat);
  const recovered = await recoverMessageAddress({ message: { raw: viemKeccak(flat) }, signature: seg.sig });
  assert.equal(recovered, account.address);

  const back = decodeSegmentHeader(encodeSegmentHeader(seg));
  verifySegDataSig(back, account.address);
  assert.throws(() => verifySegDataSig(back, other.address), isSigErr('wrong-signer'));
  back.seq = 1n; // any signed field changed → different signer recovered
  assert.throws(() => verifySegDataSig(back, account.address), isSigErr('wrong-signer'));
});

test('profiles part: full profiles hash their names; legacy profiles bytes are never signed (go coreSegMetadata ignores them)', async () => {
  const name = 'P240p30fps16x9';
  const id = hexToBytes(viemKeccak(stringToBytes(name))).subarray(0, 4);
  const idHex = Buffer.from(id).toString('hex');
  const full = create(SegDataSchema, { fullProfiles: [create(VideoProfileSchema, { name })], profiles: stringToBytes('invalid') });
  assert.equal(segProfilesHex(full), idHex);
  // Legacy bytes, even whole 4-byte profile IDs, do not enter the flatten: go-livepeer's orchestrator
  // builds its profile list from fullProfiles3/2/1 only.
  assert.equal(segProfilesHex(create(SegDataSchema, { profiles: id })), '');
  assert.equal(segProfilesHex(create(SegDataSchema, { profiles: stringToBytes('invalid') })), '');
  // fullProfiles3 wins over 2 over 1; an unnamed profile is named net_<w>x<h>_<bitrate>.
  const unnamed = create(VideoProfileSchema, { width: 426, height: 240, bitrate: 250000 });
  const three = create(SegDataSchema, { fullProfiles: [create(VideoProfileSchema, { name })], fullProfiles3: [unnamed] });
  assert.equal(segProfilesHex(three), Buffer.from(hexToBytes(viemKeccak(stringToBytes('net_426x240_250000'))).subarray(0, 4)).toString('hex'));

  const seg = create(SegDataSchema, { manifestId: stringToBytes('m'), seq: 7n, hash: new Uint8Array(32).fill(3), fullProfiles2: [create(VideoProfileSchema, { name })] });
  await signSegData(seg, signer);
  const flat = concat([stringToBytes('m'), hexToBytes(`0x${'7'.padStart(64, '0')}`), new Uint8Array(32).fill(3), stringToBytes(idHex)]);
  assert.deepEqual(segCredsFlatten(seg), flat);
  verifySegDataSig(seg, account.address);
});

test('segment credentials signed as a go-livepeer sender signs them verify whatever legacy profiles bytes they carry', async () => {
  // go genSegCreds: sign keccak256(manifestId ‖ pad32(seq) ‖ hash ‖ hex(profiles in memory)), then
  // put "invalid" in the legacy field. Here the signature is made by viem over the documented bytes.
  const name = 'P144p30fps16x9';
  const idHex = Buffer.from(hexToBytes(viemKeccak(stringToBytes(name))).subarray(0, 4)).toString('hex');
  const flat = concat([stringToBytes('2_model'), new Uint8Array(32), EMPTY_KECCAK, stringToBytes(idHex)]);
  const sig = hexToBytes(await account.signMessage({ message: { raw: viemKeccak(flat) } }));
  for (const legacy of [stringToBytes('invalid'), hexToBytes(`0x${idHex}`), new Uint8Array(0), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)]) {
    const seg = create(SegDataSchema, { manifestId: stringToBytes('2_model'), hash: EMPTY_KECCAK, profiles: legacy, fullProfiles3: [create(VideoProfileSchema, { name })], sig });
    const back = verifySegmentCredentials(encodeSegmentHeader(seg), { sender: account.address });
    assert.deepEqual(back.profiles, legacy);
  }
  // The AI/live payment shape: no full profiles, "invalid" legacy bytes, nothing signed for profiles.
  const payFlat = concat([stringToBytes('abc'), new Uint8Array(32), EMPTY_KECCAK]);
  const paySig = hexToBytes(await account.signMessage({ message: { raw: viemKeccak(payFlat) } }));
  verifySegmentCredentials(encodeSegmentHeader(create(SegDataSchema, { manifestId: stringToBytes('abc'), hash: EMPTY_KECCAK, profiles: stringToBytes('invalid'), sig: paySig })), {
    sender: account.address,
  });
});

test('segment metadata checks of go coreSegMetadata: unknown profile enums and durations over 5 min are 403 with its texts', () => {
  const withProfile = (p: Partial<{ format: number; profile: number; encoder: number }>) =>
    create(SegDataSchema, { fullProfiles2: [create(VideoProfileSchema, { name: 'x', ...p })] });
  const refused = (text: string) => (e: unknown) => e instanceof InvalidFieldError && e.status === 403 && e.message === text;
  assert.throws(() => checkSegMetadata(withProfile({ format: 7 })), refused('unrecognized profile output format'));
  assert.throws(() => checkSegMetadata(withProfile({ profile: 9 })), refused('unrecognized encoder profile'));
  assert.throws(() => checkSegMetadata(withProfile({ encoder: 4 })), refused('unrecognized video codec'));
  checkSegMetadata(withProfile({ format: 1, profile: 4, encoder: 3 }));
  assert.throws(() => checkSegMetadata(create(SegDataSchema, { duration: MAX_SEGMENT_DURATION_MS + 1 })), refused('invalid duration'));
  assert.throws(() => checkSegMetadata(create(SegDataSchema, { duration: -1 })), refused('invalid duration'));
  checkSegMetadata(create(SegDataSchema, { duration: MAX_SEGMENT_DURATION_MS }));
});

test('auth token: HMAC-SHA256(secret, session_id ‖ minimal(expiration)), expiry, tampering', () => {
  const secret = new Uint8Array(32).fill(9);
  const t = createAuthToken(secret, { now: 1_700_000_000n, sessionId: 'abc' });
  assert.equal(t.expiration, 1_700_000_000n + BigInt(AUTH_TOKEN_VALIDITY_SECONDS));
  // Independent HMAC over the documented byte layout.
  const exp = Buffer.from(t.expiration.toString(16).padStart(8, '0'), 'hex'); // 1700001800 = 4 bytes, no leading zero
  assert.deepEqual(t.token, Uint8Array.from(createHmac('sha256', secret).update(Buffer.concat([Buffer.from('abc'), exp])).digest()));
  assert.deepEqual(authTokenHmac(secret, '', 0n), Uint8Array.from(createHmac('sha256', secret).update(Buffer.alloc(0)).digest()));

  assert.equal(verifyAuthToken(secret, t, { now: 1_700_000_000n }), 'abc');
  assert.equal(verifyAuthToken(secret, t, { now: t.expiration }), 'abc'); // valid through its last second
  const code = (c: string) => (e: unknown) => e instanceof AuthTokenError && e.code === c && e.status === 403;
  assert.throws(() => verifyAuthToken(secret, undefined), code('WIRE_MISSING_AUTH_TOKEN'));
  assert.throws(() => verifyAuthToken(secret, t, { now: t.expiration + 1n }), code('WIRE_EXPIRED_AUTH_TOKEN'));
  assert.throws(() => verifyAuthToken(new Uint8Array(32), t, { now: 0n }), code('WIRE_INVALID_AUTH_TOKEN'));
  const moved = create(AuthTokenSchema, { ...t, expiration: t.expiration + 3600n });
  assert.throws(() => verifyAuthToken(secret, moved, { now: 0n }), code('WIRE_INVALID_AUTH_TOKEN'));
  const renamed = create(AuthTokenSchema, { ...t, sessionId: 'abd' });
  assert.throws(() => verifyAuthToken(secret, renamed, { now: 0n }), code('WIRE_INVALID_AUTH_TOKEN'));
  const expired = (() => { try { verifyAuthToken(secret, t, { now: t.expiration + 1n }); } catch (e) { return e as AuthTokenError; } return undefined; })();
  assert.equal(expired?.fatal, false); // cured by a fresh GetOrchestrator
});

test('verifySegmentCredentials: decode, sender signature, auth token — each failure typed, 403', async () => {
  const secret = new Uint8Array(32).fill(2);
  const token = createAuthToken(secret, { now: 100n });
  const header = encodeSegmentHeader(await createPaymentSegCreds({ manifestId: 'm', authToken: token }, signer));
  const seg = verifySegmentCredentials(header, { sender: account.address, authSecret: secret, now: 100n });
  assert.equal(seg.authToken?.sessionId, token.sessionId);
  verifySegmentCredentials(header); // offchain: nothing to check beyond decoding
  const is403 = (cls: unknown, code: string) => (e: unknown) => e instanceof (cls as typeof Error) && (e as AuthTokenError).code === code && (e as AuthTokenError).status === 403;
  assert.throws(() => verifySegmentCredentials(undefined), is403(HeaderDecodeError, 'WIRE_MISSING_HEADER'));
  assert.throws(() => verifySegmentCredentials(header, { sender: other.address }), is403(WireSignatureError, 'WIRE_INVALID_SIGNATURE'));
  assert.throws(() => verifySegmentCredentials(header, { authSecret: new Uint8Array(32) }), is403(AuthTokenError, 'WIRE_INVALID_AUTH_TOKEN'));
  assert.throws(() => verifySegmentCredentials(header, { authSecret: secret, now: token.expiration + 1n }), is403(AuthTokenError, 'WIRE_EXPIRED_AUTH_TOKEN'));
  const noToken = encodeSegmentHeader(await createPaymentSegCreds({ manifestId: 'm' }, signer));
  assert.throws(() => verifySegmentCredentials(noToken, { sender: account.address, authSecret: secret }), is403(AuthTokenError, 'WIRE_MISSING_AUTH_TOKEN'));
});
