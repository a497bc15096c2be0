// RemotePaymentState ↔ the exact bytes go-livepeer's json.Marshal writes (field order, Go string
// escaping, RFC3339Nano time, lowercase address, integers as exact decimals), and the EIP-191
// signature over those raw bytes (personal_sign with the byte length in the prefix, as go-livepeer's
// Eth.Sign / lpcrypto.VerifySig: 65 bytes, low s, v 27/28).
import { JsonNumber, parseJsonKeepingNumbers } from '../market/index.js';
import { getCryptoBackend, hexToBytes, keccak256, sigEncodingError, type SigReason } from '../pm/index.js';
import { invalidState } from './errors.js';
import { GO_ZERO_TIME, foldKey, goJsonString, parseGoTime } from './gojson.js';
import type { RemotePaymentState, SignerJobType } from './types.js';

const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffffffffn;

/** A fresh state's fields before the first call fills them in. */
export function emptyState(): RemotePaymentState {
  return {
    StateID: '',
    PMSessionID: '',
    LastUpdate: GO_ZERO_TIME,
    OrchestratorAddress: `0x${'00'.repeat(20)}`,
    App: '',
    AuthExpiry: 0n,
    SenderNonce: 0,
    Balance: '',
    InitialPricePerUnit: 0n,
    InitialPixelsPerUnit: 0n,
    Type: '',
    SequenceNumber: 0n,
    AuthID: '',
  };
}

/** json.Marshal(RemotePaymentState) as go-livepeer writes it. */
export function encodeState(s: RemotePaymentState): Uint8Array {
  const str = goJsonString;
  const json =
    `{"StateID":${str(s.StateID)},"PMSessionID":${str(s.PMSessionID)},"LastUpdate":${str(s.LastUpdate)},` +
    `"OrchestratorAddress":${str(s.OrchestratorAddress.toLowerCase())},"App":${str(s.App)},"AuthExpiry":${s.AuthExpiry},` +
    `"SenderNonce":${s.SenderNonce},"Balance":${str(s.Balance)},"InitialPricePerUnit":${s.InitialPricePerUnit},` +
    `"InitialPixelsPerUnit":${s.InitialPixelsPerUnit},"Type":${str(s.Type)},"SequenceNumber":${s.SequenceNumber},"AuthID":${str(s.AuthID)}}`;
  return new TextEncoder().encode(json);
}

type Kind = 'string' | 'time' | 'address' | 'i64' | 'u32' | 'u64';
const FIELDS: Record<string, [keyof RemotePaymentState, Kind]> = {};
for (const [k, kind] of [
  ['StateID', 'string'], ['PMSessionID', 'string'], ['LastUpdate', 'time'], ['OrchestratorAddress', 'address'], ['App', 'string'],
  ['AuthExpiry', 'i64'], ['SenderNonce', 'u32'], ['Balance', 'string'], ['InitialPricePerUnit', 'i64'], ['InitialPixelsPerUnit', 'i64'],
  ['Type', 'string'], ['SequenceNumber', 'u64'], ['AuthID', 'string'],
] as const) FIELDS[foldKey(k)] = [k, kind];

function int(v: unknown, min: bigint, max: bigint): bigint {
  if (!(v instanceof JsonNumber) || !/^-?(0|[1-9]\d*)$/.test(v.text)) throw invalidState('invalid state');
  const n = BigInt(v.text);
  if (n < min || n > max) throw invalidState('invalid state');
  return n;
}

/** json.Unmarshal into RemotePaymentState: Go's key matching, null leaves a field as it is; anything else malformed → 400 "invalid state". */
export function decodeState(bytes: Uint8Array): RemotePaymentState {
  let doc: unknown;
  try {
    doc = parseJsonKeepingNumbers(new TextDecoder().decode(bytes));
  } catch {
    throw invalidState('invalid state');
  }
  if (doc === null) return emptyState(); // Go: unmarshalling null into a pointer leaves it nil
  if (typeof doc !== 'object' || Array.isArray(doc) || doc instanceof JsonNumber) throw invalidState('invalid state');
  const s = emptyState() as unknown as Record<string, unknown>;
  for (const [key, v] of Object.entries(doc as Record<string, unknown>)) {
    const f = FIELDS[foldKey(key)];
    if (!f || v === null) continue;
    const [name, kind] = f;
    switch (kind) {
      case 'string':
        if (typeof v !== 'string') throw invalidState('invalid state');
        s[name] = v;
        break;
      case 'time':
        if (typeof v !== 'string' || parseGoTime(v) === undefined) throw invalidState('invalid state');
        s[name] = v;
        break;
      case 'address':
        if (typeof v !== 'string' || !/^0[xX][0-9a-fA-F]{40}$/.test(v)) throw invalidState('invalid state');
        s[name] = `0x${v.slice(2).toLowerCase()}`;
        break;
      case 'i64':
        s[name] = int(v, -I64_MAX - 1n, I64_MAX);
        break;
      case 'u32':
        s[name] = Number(int(v, 0n, U32_MAX));
        break;
      case 'u64':
        s[name] = int(v, 0n, U64_MAX);
        break;
    }
  }
  return s as unknown as RemotePaymentState;
}

/** keccak256("\x19Ethereum Signed Message:\n" + len(msg) + msg): go-ethereum's accounts.TextHash. */
export function textHash(msg: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${msg.length}`);
  const buf = new Uint8Array(prefix.length + msg.length);
  buf.set(prefix, 0);
  buf.set(msg, prefix.length);
  return keccak256(buf);
}

/** EIP-191 personal_sign over the raw bytes (not over a hash of them): r ‖ s ‖ v, v = 27/28, low s. */
export function signBytes(msg: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { sig64, recid } = getCryptoBackend().sign(textHash(msg), privateKey);
  const out = new Uint8Array(65);
  out.set(sig64, 0);
  out[64] = 27 + recid;
  return out;
}

/** null when `sig` is `address`'s strict EIP-191 signature over `msg`, else why not (lpcrypto.VerifySig's rules). */
export function verifyBytes(address: string, msg: Uint8Array, sig: Uint8Array): SigReason | null {
  const bad = sigEncodingError(sig);
  if (bad) return bad;
  const pub = getCryptoBackend().recover(textHash(msg), sig.subarray(0, 64), sig[64]! - 27);
  if (!pub) return 'recover-failed';
  const addr = keccak256(pub.subarray(1, 65)).subarray(12, 32);
  return Buffer.from(addr).equals(hexToBytes(address, 'signer address')) ? null : 'wrong-signer';
}

export function isJobType(t: string): t is SignerJobType {
  return t === 'lv2v' || t === 'live' || t === 'fixed' || t === '';
}
