// The gateway's GetOrchestrator requests in remote-signer mode carry the signer's address and the
// signature /sign-orchestrator-info returned (go-livepeer n.RemoteEthAddr, n.InfoSig): a
// Hash32Signer that holds no key and can sign exactly that one hash, so the session pool and
// discovery build their OrchestratorRequest as they always do.
import type { Address } from 'viem';
import { orchestratorRequestHash, type Hash32Signer } from '../../../wire/index.js';
import { SignerClientError } from './errors.js';

export function remoteRequestSigner(address: Address, signature: Uint8Array): Hash32Signer {
  const hash = orchestratorRequestHash(address);
  const sig = Uint8Array.from(signature);
  return {
    address,
    sign(hash32: Uint8Array): Uint8Array {
      if (hash32.length !== hash.length || !hash32.every((b, i) => b === hash[i])) {
        // Everything else the gateway would sign (tickets, segment credentials) goes to the signer.
        throw new SignerClientError('GW_SIGNER_REFUSED', 'in remote-signer mode the gateway holds no key: only the OrchestratorRequest signature is available');
      }
      return Uint8Array.from(sig);
    },
  };
}
