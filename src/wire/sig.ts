// personal_sign over 32-byte hashes, the one signature scheme of go-livepeer's wire protocol
// (OrchestratorRequest.sig, SegData.sig, Ping, tickets): 65 bytes r‖s‖v, v ∈ {27,28}, low s, over
// keccak256("\x19Ethereum Signed Message:\n32" ‖ hash32). Signing and recovery are src/pm's (the
// same strict rules and the native secp256k1 backend), so a node's TicketSigner signs wire
// messages too; this file only maps pm's refusal reasons to a typed wire error.
import { getAddress } from 'viem';
import { keccak256 as pmKeccak256, recoverSigner, type TicketSigner } from '../pm/index.js';
import { WireSignatureError } from './errors.js';

/** Signs a 32-byte hash with personal_sign: exactly src/pm's TicketSigner. */
export type Hash32Signer = TicketSigner;

export function keccak256(data: Uint8Array): Uint8Array {
  return pmKeccak256(data);
}

/**
 * The checksummed signer of a personal_sign signature over hash32. Throws WireSignatureError with
 * pm's reason ('length-64', 'v-not-27-28', 'high-s', 'recover-failed').
 */
export function recoverPersonalSigner(hash32: Uint8Array, sig: Uint8Array): `0x${string}` {
  const r = recoverSigner(hash32, sig);
  if ('reason' in r) {
    throw new WireSignatureError(r.reason, `malformed signature (${r.reason}): expected 65 bytes r‖s‖v, low s, v 27/28`);
  }
  return r.signer;
}

/** Throws WireSignatureError unless `sig` is a valid personal_sign of hash32 by `expected`. */
export function verifyPersonalSig(hash32: Uint8Array, sig: Uint8Array, expected: string, what = 'signature'): void {
  let signer: `0x${string}`;
  try {
    signer = recoverPersonalSigner(hash32, sig);
  } catch (err) {
    if (err instanceof WireSignatureError) throw new WireSignatureError(err.reason, `${what}: ${err.message}`);
    throw err;
  }
  if (signer.toLowerCase() !== expected.toLowerCase()) {
    throw new WireSignatureError('wrong-signer', `${what} was made by ${signer}, not by ${getAddress(expected)}`);
  }
}
