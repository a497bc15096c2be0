// Decodes protobuf bytes written by hand from
// go-livepeer's net/lp_rpc.proto field table (tags, varints and lengths spelled out below), checks every
// field, and re-encodes to the identical bytes. If a field number in our .proto drifted from
// go-livepeer's, these tests fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  CapabilitiesSchema,
  OrchestratorInfoSchema,
  OrchestratorRequestSchema,
  OSInfo_StorageType,
  PaymentResultSchema,
  PaymentSchema,
  PriceInfoSchema,
  SegDataSchema,
  TicketParamsSchema,
  TranscodeResultSchema,
  type Capabilities,
  type TicketParams,
} from './gen/net/lp_rpc_pb.js';
import { MaxFloatUpdateSchema, TicketSchema } from './gen/net/redeemer_pb.js';
import { decodeMessage } from './codec.js';
import { WireError } from './errors.js';

// ---- tiny hand encoder: only lengths are computed, every tag byte is written out ----
const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const fill = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);
const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf8'));
function cat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
function varint(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return b(...out);
}
/** tag bytes (already encoded, wire type 2) + varint length + payload */
function ld(tag: number[], payload: Uint8Array): Uint8Array {
  return cat(b(...tag), varint(payload.length), payload);
}

const RECIPIENT = fill(0x11, 20);
const SENDER = fill(0x22, 20);
const RRH = fill(0xab, 32);
const BLOCK_HASH = fill(0xcd, 32);
const WIN_PROB = cat(b(0x80), fill(0, 31)); // 2^255
const SIG_A = fill(0x5a, 65);
const SIG_B = fill(0x6b, 65);

// TicketExpirationParams { creation_round(1, int64) = 150; creation_round_block_hash(2, bytes) }
const EXPIRATION_PARAMS = cat(b(0x08, 0x96, 0x01), b(0x12, 0x20), BLOCK_HASH);

// TicketParams
const TICKET_PARAMS = cat(
  b(0x0a, 0x14), RECIPIENT, //                    1 recipient (20 bytes)
  b(0x12, 0x02, 0x03, 0xe8), //                   2 face_value = 1000 (minimal big-endian)
  b(0x1a, 0x20), WIN_PROB, //                     3 win_prob = 2^255
  b(0x22, 0x20), RRH, //                          4 recipient_rand_hash
  b(0x2a, 0x04, 0xde, 0xad, 0xbe, 0xef), //       5 seed
  b(0x32, 0x02, 0x30, 0x39), //                   6 expiration_block = 12345
  ld([0x3a], EXPIRATION_PARAMS), //               7 expiration_params
);

// PriceInfo { pricePerUnit(1)=1200, pixelsPerUnit(2)=1, capability(3)=35, constraint(4)="noop" }
const PRICE_INFO = cat(b(0x08, 0xb0, 0x09), b(0x10, 0x01), b(0x18, 0x23), b(0x22, 0x04), ascii('noop'));

// Capabilities with both maps (capacities, PerCapability → models)
const MODEL_CONSTRAINT = cat(b(0x08, 0x01), b(0x10, 0x02), b(0x1a, 0x05), ascii('0.1.0'), b(0x20, 0x01));
const CAPABILITY_CONSTRAINTS = ld([0x0a], cat(b(0x0a, 0x04), ascii('noop'), ld([0x12], MODEL_CONSTRAINT)));
const CONSTRAINTS = cat(
  b(0x0a, 0x05), ascii('0.7.9'), //                              1 minVersion
  ld([0x12], cat(b(0x08, 0x23), ld([0x12], CAPABILITY_CONSTRAINTS))), // 2 PerCapability {35: …}
);
const CAPABILITIES = cat(
  b(0x0a, 0x07, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01), // 1 bitstring packed [2^35, 1]
  b(0x12, 0x02, 0x80, 0x20), //                               2 mandatories packed [4096]
  // Map entries in ascending key order: integer-keyed JS objects iterate that way, which is also
  // Go's deterministic order (plain Go marshalling orders map entries randomly).
  b(0x1a, 0x04, 0x08, 0x1b, 0x10, 0x02), //                   3 capacities {27: 2}
  b(0x1a, 0x04, 0x08, 0x23, 0x10, 0x01), //                   3 capacities {35: 1}
  b(0x22, 0x05), ascii('0.8.0'), //                           4 version
  ld([0x2a], CONSTRAINTS), //                                 5 constraints
);

// AuthToken { token(1) 32 bytes, session_id(2) "sess-1", expiration(3) = 1700000000 }
const AUTH_TOKEN = cat(b(0x0a, 0x20), fill(0x77, 32), b(0x12, 0x06), ascii('sess-1'), b(0x18, 0x80, 0xe2, 0xcf, 0xaa, 0x06));

function checkTicketParams(tp: TicketParams | undefined): void {
  assert.ok(tp);
  assert.deepEqual(tp.recipient, RECIPIENT);
  assert.deepEqual(tp.faceValue, b(0x03, 0xe8));
  assert.deepEqual(tp.winProb, WIN_PROB);
  assert.deepEqual(tp.recipientRandHash, RRH);
  assert.deepEqual(tp.seed, b(0xde, 0xad, 0xbe, 0xef));
  assert.deepEqual(tp.expirationBlock, b(0x30, 0x39));
  assert.equal(tp.expirationParams?.creationRound, 150n);
  assert.deepEqual(tp.expirationParams?.creationRoundBlockHash, BLOCK_HASH);
}

function checkCapabilities(c: Capabilities | undefined): void {
  assert.ok(c);
  assert.deepEqual(c.bitstring, [1n << 35n, 1n]);
  assert.deepEqual(c.mandatories, [4096n]);
  assert.deepEqual(c.capacities, { 35: 1, 27: 2 });
  assert.equal(c.version, '0.8.0');
  assert.equal(c.constraints?.minVersion, '0.7.9');
  const per = c.constraints?.PerCapability[35];
  assert.ok(per);
  assert.deepEqual(Object.keys(per.models), ['noop']);
  const m = per.models['noop'];
  assert.equal(m?.warm, true);
  assert.equal(m?.capacity, 2);
  assert.equal(m?.runnerVersion, '0.1.0');
  assert.equal(m?.capacityInUse, 1);
}

test('TicketParams: hand-built bytes decode field by field and re-encode identically', () => {
  const tp = fromBinary(TicketParamsSchema, TICKET_PARAMS);
  checkTicketParams(tp);
  assert.deepEqual(toBinary(TicketParamsSchema, tp), TICKET_PARAMS);
});

test('PriceInfo: int64/uint32/string fields at 1..4; negative int64 is a 10-byte varint', () => {
  const p = fromBinary(PriceInfoSchema, PRICE_INFO);
  assert.equal(p.pricePerUnit, 1200n);
  assert.equal(p.pixelsPerUnit, 1n);
  assert.equal(p.capability, 35);
  assert.equal(p.constraint, 'noop');
  assert.deepEqual(toBinary(PriceInfoSchema, p), PRICE_INFO);

  const neg = b(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  const n = fromBinary(PriceInfoSchema, neg);
  assert.equal(n.pricePerUnit, -1n);
  assert.deepEqual(toBinary(PriceInfoSchema, n), neg);
});

test('Capabilities: packed bitstring/mandatories, capacities map, nested PerCapability/models maps', () => {
  const c = fromBinary(CapabilitiesSchema, CAPABILITIES);
  checkCapabilities(c);
  assert.deepEqual(toBinary(CapabilitiesSchema, c), CAPABILITIES);

  // Go may send map entries in any order; they decode the same.
  const shuffled = cat(b(0x1a, 0x04, 0x08, 0x23, 0x10, 0x01), b(0x1a, 0x04, 0x08, 0x1b, 0x10, 0x02));
  assert.deepEqual(fromBinary(CapabilitiesSchema, shuffled).capacities, { 27: 2, 35: 1 });
});

test('OrchestratorInfo: all fields incl. 32/33/34 and an unknown field kept verbatim', () => {
  const gpu = cat(
    b(0x0a, 0x05), ascii('gpu-0'), //            1 id
    b(0x12, 0x04), ascii('A100'), //             2 name
    b(0x20, 0x08), b(0x28, 0x06), //      4 major = 8, 5 minor = 6
    b(0x30, 0x80, 0xc0, 0xb2, 0xcd, 0x3b), //    6 memory_free = 16e9
    b(0x38, 0x80, 0xc0, 0xb2, 0xcd, 0x3b), //    7 memory_total = 16e9
  );
  const hardware = cat(
    b(0x0a, 0x13), ascii('live-video-to-video'), // 1 pipeline
    b(0x12, 0x04), ascii('noop'), //                2 model_id
    ld([0x1a], cat(b(0x0a, 0x01), ascii('0'), ld([0x12], gpu))), // 3 gpu_info {"0": …}
  );
  const osInfo = cat(b(0x08, 0x01), ld([0x82, 0x01], cat(b(0x0a, 0x09), ascii('s3.local:'), b(0x12, 0x01), ascii('k'))));
  const unknown36 = cat(b(0xa2, 0x02, 0x03), ascii('xyz')); // field 36, wire type 2 (BYOC info in newer go-livepeer)
  const bytes = cat(
    b(0x0a, 0x16), ascii('https://127.0.0.1:8935'), //  1 transcoder
    ld([0x12], TICKET_PARAMS), //                       2 ticket_params
    ld([0x1a], PRICE_INFO), //                          3 price_info
    b(0x22, 0x14), SENDER, //                           4 address
    ld([0x2a], CAPABILITIES), //                        5 capabilities
    ld([0x32], AUTH_TOKEN), //                          6 auth_token
    ld([0x3a], hardware), //                            7 hardware
    ld([0x82, 0x02], osInfo), //                        32 storage
    ld([0x8a, 0x02], PRICE_INFO), //                    33 capabilities_prices[0]
    ld([0x8a, 0x02], b(0x08, 0x05, 0x10, 0x02)), //     33 capabilities_prices[1] = 5/2
    b(0x92, 0x02, 0x0f), ascii('https://n2:8935'), //   34 nodes
    unknown36,
  );
  const info = fromBinary(OrchestratorInfoSchema, bytes);
  assert.equal(info.transcoder, 'https://127.0.0.1:8935');
  checkTicketParams(info.ticketParams);
  assert.equal(info.priceInfo?.pricePerUnit, 1200n);
  assert.equal(info.priceInfo?.constraint, 'noop');
  assert.deepEqual(info.address, SENDER);
  checkCapabilities(info.capabilities);
  assert.deepEqual(info.authToken?.token, fill(0x77, 32));
  assert.equal(info.authToken?.sessionId, 'sess-1');
  assert.equal(info.authToken?.expiration, 1700000000n);
  assert.equal(info.hardware.length, 1);
  assert.equal(info.hardware[0]?.pipeline, 'live-video-to-video');
  assert.equal(info.hardware[0]?.modelId, 'noop');
  const g = info.hardware[0]?.gpuInfo['0'];
  assert.equal(g?.id, 'gpu-0');
  assert.equal(g?.name, 'A100');
  assert.equal(g?.major, 8);
  assert.equal(g?.minor, 6);
  assert.equal(g?.memoryFree, 16_000_000_000n);
  assert.equal(g?.memoryTotal, 16_000_000_000n);
  assert.equal(info.storage[0]?.storageType, OSInfo_StorageType.S3);
  assert.equal(info.storage[0]?.s3info?.host, 's3.local:');
  assert.equal(info.storage[0]?.s3info?.key, 'k');
  assert.equal(info.capabilitiesPrices.length, 2);
  assert.equal(info.capabilitiesPrices[1]?.pricePerUnit, 5n);
  assert.equal(info.capabilitiesPrices[1]?.pixelsPerUnit, 2n);
  assert.deepEqual(info.nodes, ['https://n2:8935']);
  assert.deepEqual(toBinary(OrchestratorInfoSchema, info), bytes);

  // PaymentResult carries it at field 16; TranscodeResult too (with seq at 1 and the oneof).
  const pr = cat(b(0x82, 0x01), varint(bytes.length), bytes);
  assert.deepEqual(fromBinary(PaymentResultSchema, pr).info?.transcoder, 'https://127.0.0.1:8935');
  const tr = cat(b(0x08, 0x07), b(0x12, 0x04), ascii('boom'), pr);
  const res = fromBinary(TranscodeResultSchema, tr);
  assert.equal(res.seq, 7n);
  assert.deepEqual(res.result, { case: 'error', value: 'boom' });
  assert.equal(res.info?.nodes[0], 'https://n2:8935');
  assert.deepEqual(toBinary(TranscodeResultSchema, res), tr);
});

test('Payment: params, sender, expiration, two sender params, expected price', () => {
  const bytes = cat(
    ld([0x0a], TICKET_PARAMS), //                                   1 ticket_params
    b(0x12, 0x14), SENDER, //                                       2 sender
    ld([0x1a], EXPIRATION_PARAMS), //                               3 expiration_params
    ld([0x22], cat(b(0x08, 0x01), b(0x12, 0x41), SIG_A)), //        4 {sender_nonce 1, sig}
    ld([0x22], cat(b(0x08, 0xac, 0x02), b(0x12, 0x41), SIG_B)), //  4 {sender_nonce 300, sig}
    ld([0x2a], PRICE_INFO), //                                      5 expected_price
  );
  const p = fromBinary(PaymentSchema, bytes);
  checkTicketParams(p.ticketParams);
  assert.deepEqual(p.sender, SENDER);
  assert.equal(p.expirationParams?.creationRound, 150n);
  assert.deepEqual(p.expirationParams?.creationRoundBlockHash, BLOCK_HASH);
  assert.equal(p.ticketSenderParams.length, 2);
  assert.equal(p.ticketSenderParams[0]?.senderNonce, 1);
  assert.deepEqual(p.ticketSenderParams[0]?.sig, SIG_A);
  assert.equal(p.ticketSenderParams[1]?.senderNonce, 300);
  assert.deepEqual(p.ticketSenderParams[1]?.sig, SIG_B);
  assert.equal(p.expectedPrice?.pricePerUnit, 1200n);
  assert.equal(p.expectedPrice?.pixelsPerUnit, 1n);
  assert.deepEqual(toBinary(PaymentSchema, p), bytes);
});

test('SegData: every field incl. 10, 32, 33, 37, 38', () => {
  const profile = cat(
    ld([0x82, 0x01], ascii('P240p30fps16x9')), // 16 name
    b(0x88, 0x01, 0xaa, 0x03), //                17 width = 426
    b(0x90, 0x01, 0xf0, 0x01), //                18 height = 240
    b(0xa0, 0x01, 0x1e), //                      20 fps = 30
    b(0xa8, 0x01, 0x01), //                      21 format = MP4
    b(0xb8, 0x01, 0x02), //                      23 profile = H264_MAIN
  );
  const bytes = cat(
    b(0x0a, 0x0a), ascii('manifest-1'), //           1 manifestId
    b(0x10, 0x07), //                                2 seq = 7
    b(0x1a, 0x20), RRH, //                           3 hash
    b(0x22, 0x07), ascii('invalid'), //              4 profiles
    b(0x2a, 0x41), SIG_A, //                         5 sig
    b(0x30, 0xd0, 0x0f), //                          6 duration = 2000
    ld([0x3a], CAPABILITIES), //                     7 capabilities
    ld([0x42], AUTH_TOKEN), //                       8 auth_token
    b(0x50, 0x01), //                                10 calc_perceptual_hash
    ld([0x82, 0x02], b(0x08, 0x02)), //              32 storage [{GOOGLE}]
    ld([0x8a, 0x02], profile), //                    33 fullProfiles
    ld([0xaa, 0x02], b(0x08, 0x64, 0x10, 0xc8, 0x01)), // 37 segment_parameters {from 100, to 200}
    b(0xb0, 0x02, 0x01), //                          38 ForceSessionReinit
  );
  const s = fromBinary(SegDataSchema, bytes);
  assert.deepEqual(s.manifestId, ascii('manifest-1'));
  assert.equal(s.seq, 7n);
  assert.deepEqual(s.hash, RRH);
  assert.deepEqual(s.profiles, ascii('invalid'));
  assert.deepEqual(s.sig, SIG_A);
  assert.equal(s.duration, 2000);
  checkCapabilities(s.capabilities);
  assert.equal(s.authToken?.sessionId, 'sess-1');
  assert.equal(s.authToken?.expiration, 1700000000n);
  assert.equal(s.calcPerceptualHash, true);
  assert.equal(s.storage[0]?.storageType, OSInfo_StorageType.GOOGLE);
  assert.equal(s.fullProfiles[0]?.name, 'P240p30fps16x9');
  assert.equal(s.fullProfiles[0]?.width, 426);
  assert.equal(s.fullProfiles[0]?.height, 240);
  assert.equal(s.fullProfiles[0]?.fps, 30);
  assert.equal(s.fullProfiles[0]?.format, 1);
  assert.equal(s.fullProfiles[0]?.profile, 2);
  assert.equal(s.segmentParameters?.from, 100n);
  assert.equal(s.segmentParameters?.to, 200n);
  assert.equal(s.ForceSessionReinit, true);
  assert.deepEqual(toBinary(SegDataSchema, s), bytes);
});

test('OrchestratorRequest and redeemer messages: field numbers', () => {
  const req = cat(b(0x0a, 0x14), SENDER, b(0x12, 0x41), SIG_A, ld([0x1a], CAPABILITIES), b(0x20, 0x01));
  const r = fromBinary(OrchestratorRequestSchema, req);
  assert.deepEqual(r.address, SENDER);
  assert.deepEqual(r.sig, SIG_A);
  checkCapabilities(r.capabilities);
  assert.equal(r.ignoreCapacityCheck, true);
  assert.deepEqual(toBinary(OrchestratorRequestSchema, r), req);

  const ticket = cat(
    ld([0x0a], TICKET_PARAMS),
    b(0x12, 0x14), SENDER,
    ld([0x1a], EXPIRATION_PARAMS),
    ld([0x22], cat(b(0x08, 0x03), b(0x12, 0x41), SIG_B)),
    b(0x2a, 0x02, 0x01, 0x02),
  );
  const t = fromBinary(TicketSchema, ticket);
  checkTicketParams(t.ticketParams);
  assert.equal(t.senderParams?.senderNonce, 3);
  assert.deepEqual(t.recipientRand, b(0x01, 0x02));
  assert.deepEqual(toBinary(TicketSchema, t), ticket);
  assert.deepEqual(fromBinary(MaxFloatUpdateSchema, b(0x0a, 0x01, 0x09)).maxFloat, b(0x09));
});

test('round trips of created messages; empty message is zero bytes', () => {
  const info = create(OrchestratorInfoSchema, {
    transcoder: 'https://o.example:8935',
    address: SENDER,
    priceInfo: { pricePerUnit: 9_223_372_036_854_775_807n, pixelsPerUnit: 1n },
    capabilitiesPrices: [{ pricePerUnit: 1n, pixelsPerUnit: 3n, capability: 27, constraint: 'sd' }],
    capabilities: { capacities: { 35: 1 }, constraints: { PerCapability: { 35: { models: { m: { warm: true } } } } } },
    nodes: ['a', 'b'],
  });
  const again = fromBinary(OrchestratorInfoSchema, toBinary(OrchestratorInfoSchema, info));
  assert.ok(equals(OrchestratorInfoSchema, info, again));
  assert.equal(toBinary(PaymentSchema, create(PaymentSchema)).length, 0);
  assert.ok(equals(PaymentSchema, fromBinary(PaymentSchema, new Uint8Array(0)), create(PaymentSchema)));
});

test('garbage bytes fail to decode with WIRE_BAD_PROTOBUF', () => {
  const garbage: Array<[string, Uint8Array]> = [
    ['truncated varint', b(0x08, 0xff)],
    ['length past the end', b(0x0a, 0x10, 0x01)],
    ['wire type 7', b(0x0f, 0x00)],
    ['field number 0', b(0x00, 0x01)],
    ['end-group without start', b(0x0c)],
    ['11-byte varint', b(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)],
    ['nested message truncated', cat(b(0x0a, 0x05), b(0x0a, 0x14, 0x11, 0x11, 0x11))],
  ];
  for (const [name, bytes] of garbage) {
    assert.throws(
      () => decodeMessage(PaymentSchema, bytes),
      (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_PROTOBUF',
      name,
    );
  }
  // Invalid UTF-8 in a string field is refused, as Go's proto3 unmarshal does.
  assert.throws(
    () => decodeMessage(OrchestratorInfoSchema, b(0x0a, 0x02, 0xff, 0xfe)),
    (e: unknown) => e instanceof WireError && e.code === 'WIRE_BAD_PROTOBUF',
  );
});
