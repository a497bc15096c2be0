// OrchestratorRequest signing (go-livepeer core/broadcaster.go, server/rpc.go verifyOrchestratorReq):
//   sig = personal_sign(keccak256(utf8(checksummed "0x…" address string)))
// and Ping (O answers personal_sign(keccak256(value))).
import { create } from '@bufbuild/protobuf';
import { getAddress } from 'viem';
import { OrchestratorRequestSchema, type Capabilities, type OrchestratorRequest } from './gen/net/lp_rpc_pb.js';
import { fromHex, toHex } from './bytes.js';
import { InvalidFieldError } from './errors.js';
import { keccak256, verifyPersonalSig, type Hash32Signer } from './sig.js';

/** keccak256 of the EIP-55 checksummed address string (with 0x), which is what gets signed. */
export function orchestratorRequestHash(address: string): Uint8Array {
  return keccak256(new TextEncoder().encode(getAddress(address)));
}

/** The 65-byte signature a gateway (or remote signer) sends in OrchestratorRequest.sig. */
export async function signOrchestratorRequestAddress(signer: Hash32Signer): Promise<Uint8Array> {
  return signer.sign(orchestratorRequestHash(signer.address));
}

export interface OrchestratorRequestOptions {
  capabilities?: Capabilities | undefined;
  ignoreCapacityCheck?: boolean;
  /**
   * A signature obtained elsewhere (e.g. a remote signer's /sign-orchestrator-info) for
   * `address`; when given, `signer` is not needed.
   */
  sig?: Uint8Array;
  address?: string;
}

/** Builds a signed OrchestratorRequest for GetOrchestrator. */
export async function createOrchestratorRequest(
  signer: Hash32Signer | undefined,
  opts: OrchestratorRequestOptions = {},
): Promise<OrchestratorRequest> {
  const address = opts.address ?? signer?.address;
  if (address === undefined) throw new InvalidFieldError('address', 'createOrchestratorRequest needs a signer or an address + sig');
  let sig = opts.sig;
  if (sig === undefined) {
    if (signer === undefined) throw new InvalidFieldError('sig', 'createOrchestratorRequest needs a signer when no sig is given');
    sig = await signOrchestratorRequestAddress(signer);
  }
  return create(OrchestratorRequestSchema, {
    address: fromHex(address, 'address', 20),
    sig,
    capabilities: opts.capabilities,
    ignoreCapacityCheck: opts.ignoreCapacityCheck ?? false,
  });
}

/**
 * Orchestrator side: checks that req.sig recovers to req.address over the checksummed address
 * string and returns that address (checksummed). Throws InvalidFieldError for a non-20-byte address
 * and WireSignatureError for a bad signature (gRPC: PermissionDenied / Unauthenticated).
 */
export function verifyOrchestratorRequest(req: Pick<OrchestratorRequest, 'address' | 'sig'>): `0x${string}` {
  if (req.address.length !== 20) {
    throw new InvalidFieldError('address', `OrchestratorRequest.address is ${req.address.length} bytes, expected a 20-byte ETH address`);
  }
  const address = getAddress(toHex(req.address));
  verifyPersonalSig(orchestratorRequestHash(address), req.sig, address, 'OrchestratorRequest signature');
  return address;
}

/** What an orchestrator answers to Ping: personal_sign(keccak256(value)). */
export async function signPing(value: Uint8Array, signer: Hash32Signer): Promise<Uint8Array> {
  return signer.sign(keccak256(value));
}

/** Checks a Ping answer came from `orchestrator`. */
export function verifyPing(value: Uint8Array, answer: Uint8Array, orchestrator: string): void {
  verifyPersonalSig(keccak256(value), answer, orchestrator, 'Ping answer');
}
