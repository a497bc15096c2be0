// net.Orchestrator over gRPC: GetOrchestrator (go-livepeer getOrchestrator / orchestratorInfo)
// and Ping.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { getAddress, type Address } from 'viem';
import type { Capabilities } from '../../market/index.js';
import type { PmError, Recipient, TicketSigner } from '../../pm/index.js';
import type { OrchestratorRequest, OrchestratorServiceImpl, PingPong } from '../../wire/index.js';
import {
  OrchestratorInfoSchema,
  PingPongSchema,
  createAuthToken,
  fromHex,
  priceInfoToWire,
  signPing,
  ticketParamsToWire,
  toHex,
  verifyOrchestratorRequest,
} from '../../wire/index.js';
import { capabilitiesFromWire, capabilitiesToWire } from '../common/index.js';
import type { CapacityTracker } from './capacity.js';
import type { OrchestratorPricing } from './pricing.js';
import { ZERO_PRICE } from './pricing.js';

export interface RpcDeps {
  offchain: boolean;
  transcoderUrl: () => string;
  signer: TicketSigner | undefined;
  recipient: Recipient | undefined;
  pricing: OrchestratorPricing;
  capacity: CapacityTracker;
  capabilities: () => Capabilities;
  authSecret: Uint8Array;
  onRefusal?: (code: string) => void;
}

function requester(req: OrchestratorRequest, offchain: boolean): Address | undefined {
  // Offchain orchestrators skip the signature check (go-livepeer verifyOrchestratorReq).
  if (!offchain) return verifyOrchestratorRequest(req);
  return req.address.length === 20 ? getAddress(toHex(req.address)) : undefined;
}

export function orchestratorService(deps: RpcDeps): OrchestratorServiceImpl {
  return {
    async getOrchestrator(req: OrchestratorRequest) {
      let sender: Address | undefined;
      try {
        sender = requester(req, deps.offchain);
      } catch (err) {
        deps.onRefusal?.('GET_ORCHESTRATOR_BAD_SIGNATURE');
        throw err;
      }
      if (!deps.capacity.hasSessionCapacity()) {
        deps.onRefusal?.('ORCHESTRATOR_CAPPED');
        throw new ConnectError('OrchestratorCapped: the orchestrator is at -maxSessions; try another one', Code.ResourceExhausted);
      }
      const reqCaps = req.capabilities ? capabilitiesFromWire(req.capabilities) : undefined;
      const price = deps.offchain ? ZERO_PRICE : deps.pricing.forRequest(sender, reqCaps);
      let ticketParams;
      if (deps.recipient && sender) {
        try {
          ticketParams = ticketParamsToWire(await deps.recipient.ticketParams(sender, price));
        } catch (err) {
          const e = err as PmError;
          deps.onRefusal?.(e.code ?? 'TICKET_PARAMS');
          throw new ConnectError(`cannot issue ticket params for ${sender}: ${e.message}`, Code.FailedPrecondition);
        }
      }
      return create(OrchestratorInfoSchema, {
        transcoder: deps.transcoderUrl(),
        ticketParams,
        priceInfo: priceInfoToWire(price),
        address: deps.signer ? fromHex(deps.signer.address, 'address', 20) : new Uint8Array(0),
        capabilities: capabilitiesToWire(deps.capabilities()),
        authToken: createAuthToken(deps.authSecret),
        capabilitiesPrices: reqCaps || deps.offchain ? [] : deps.pricing.capabilitiesPrices(sender),
      });
    },
    async ping(req: PingPong) {
      const value = deps.signer ? await signPing(req.value, deps.signer) : new Uint8Array(0);
      return create(PingPongSchema, { value });
    },
  };
}
