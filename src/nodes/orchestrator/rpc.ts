// net.Orchestrator over gRPC: GetOrchestrator (go-livepeer getOrchestrator / orchestratorInfo)
// and Ping.
import { create } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { getAddress, type Address } from 'viem';
import { Capability, type Capabilities } from '../../market/index.js';
import type { PriceInfo } from '../../money/index.js';
import type { PmError, Recipient, TicketSigner } from '../../pm/index.js';
import type { AuthToken, OrchestratorInfo, OrchestratorRequest, OrchestratorServiceImpl, PingPong, RefusalCode } from '../../wire/index.js';
import {
  OrchestratorInfoSchema,
  PingPongSchema,
  createAuthToken,
  fromHex,
  priceInfoToWire,
  refusalConnectError,
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
  /** OrchestratorInfo.address: the node's account (go-livepeer), else its -ethOrchAddr (no key, -redeemerAddr). */
  address?: Address;
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

/**
 * go-livepeer checkLiveVideoToVideoCapacity: only a request for live-video-to-video is refused at
 * discovery, when none of its models has a free slot (batch AI capacity is checked per job, 503).
 */
function liveCapacityOk(caps: Capabilities, capacity: CapacityTracker): boolean {
  const live = caps.perCapability.get(Capability.LiveVideoToVideo);
  if (!live) return true;
  for (const modelId of live.keys()) if (capacity.hasCapacity(Capability.LiveVideoToVideo, modelId)) return true;
  return false;
}

/** go-livepeer's text for a capped orchestrator (a plain Go error, so gRPC status UNKNOWN). */
export const ORCHESTRATOR_CAPPED_MESSAGE = 'Invalid orchestrator request: OrchestratorCapped';

export function orchestratorService(deps: RpcDeps): OrchestratorServiceImpl {
  // The status and message stay go-livepeer's; the refusal code rides in the status details
  // (a livepeer_ts.ErrorDetail, src/wire/refusal.ts). `statsCode` is what the stats count.
  const refuse = (statsCode: string, message: string, status: Code, code: RefusalCode, opts: { reason?: string; fatal?: boolean; cause?: unknown } = {}): never => {
    deps.onRefusal?.(statsCode);
    throw refusalConnectError(message, status, code, opts);
  };
  return {
    async getOrchestrator(req: OrchestratorRequest) {
      let sender: Address | undefined;
      try {
        sender = requester(req, deps.offchain);
      } catch (err) {
        deps.onRefusal?.('GET_ORCHESTRATOR_BAD_SIGNATURE');
        throw err;
      }
      // go-livepeer also runs CheckCapacity("") here: -maxSessions counts transcoding sessions, and
      // this node runs none, so a busy AI orchestrator is never dropped from discovery for it.
      let reqCaps: Capabilities | undefined;
      try {
        reqCaps = req.capabilities ? capabilitiesFromWire(req.capabilities) : undefined;
      } catch (err) {
        // WireLimitError: INVALID_ARGUMENT through toConnectError, code WIRE_LIMIT_EXCEEDED.
        deps.onRefusal?.('GET_ORCHESTRATOR_LIMIT');
        throw err;
      }
      // ignoreCapacityCheck (field 4): a session refresh must get fresh params even when full.
      if (reqCaps && !req.ignoreCapacityCheck && !liveCapacityOk(reqCaps, deps.capacity)) {
        refuse('ORCHESTRATOR_CAPPED', ORCHESTRATOR_CAPPED_MESSAGE, Code.Unknown, 'ORCHESTRATOR_CAPPED');
      }
      if (deps.offchain) return offchainInfo(deps, createAuthToken(deps.authSecret));
      let price: PriceInfo = ZERO_PRICE;
      let ticketParams;
      try {
        price = await deps.pricing.quote(sender, reqCaps);
        if (deps.recipient && sender) ticketParams = ticketParamsToWire(await deps.recipient.ticketParams(sender, price));
      } catch (err) {
        const e = err as PmError;
        refuse(e.code ?? 'TICKET_PARAMS', `cannot issue ticket params for ${sender}: ${e.message}`, Code.FailedPrecondition, 'TICKET_PARAMS_UNAVAILABLE', {
          ...(typeof e.code === 'string' ? { reason: e.code } : {}),
          fatal: e.fatal === true,
          cause: err,
        });
      }
      const me = deps.signer?.address ?? deps.address;
      return create(OrchestratorInfoSchema, {
        transcoder: deps.transcoderUrl(),
        ticketParams,
        priceInfo: priceInfoToWire(price),
        address: me ? fromHex(me, 'address', 20) : new Uint8Array(20),
        capabilities: capabilitiesToWire(deps.capabilities()),
        authToken: createAuthToken(deps.authSecret),
        capabilitiesPrices: reqCaps ? [] : deps.pricing.capabilitiesPrices(sender),
      });
    },
    async ping(req: PingPong) {
      const value = deps.signer ? await signPing(req.value, deps.signer) : new Uint8Array(0);
      return create(PingPongSchema, { value });
    },
  };
}

/**
 * The offchain OrchestratorInfo as go-livepeer sends it: it has no Recipient and no Ethereum
 * account, so no ticket params, no price_info, no capabilities_prices (prices are loaded on chain
 * only) and a zero address (20 zero bytes) even when this node was given a key; the transcoder
 * URL, capabilities and an auth token as on chain (a fresh one for GetOrchestrator, the request's for /payment).
 */
function offchainInfo(deps: Pick<RpcDeps, 'transcoderUrl' | 'capabilities'>, authToken: AuthToken | undefined) {
  return create(OrchestratorInfoSchema, {
    transcoder: deps.transcoderUrl(),
    address: new Uint8Array(20),
    capabilities: capabilitiesToWire(deps.capabilities()),
    ...(authToken ? { authToken } : {}),
  });
}

/**
 * The OrchestratorInfo of a `/payment` reply (go-livepeer orchestratorInfoWithCaps, then the
 * request's auth token put back: new tokens only come from GetOrchestrator): fresh ticket params
 * for the sender at `price` — the live stream's own price, so the next payment is made at it.
 * Offchain: as GetOrchestrator's offchain info, with the request's token. Throws when params
 * cannot be issued (the route answers 500 and processes nothing, as go-livepeer).
 */
export async function paymentResultInfo(
  deps: Pick<RpcDeps, 'offchain' | 'transcoderUrl' | 'signer' | 'address' | 'recipient' | 'capabilities'>,
  sender: Address | undefined,
  price: PriceInfo,
  authToken: AuthToken | undefined,
): Promise<OrchestratorInfo> {
  if (deps.offchain || !deps.recipient || !sender) return offchainInfo(deps, authToken);
  const ticketParams = ticketParamsToWire(await deps.recipient.ticketParams(sender, price));
  const me = deps.signer?.address ?? deps.address;
  return create(OrchestratorInfoSchema, {
    transcoder: deps.transcoderUrl(),
    ticketParams,
    priceInfo: priceInfoToWire(price),
    address: me ? fromHex(me, 'address', 20) : new Uint8Array(20),
    capabilities: capabilitiesToWire(deps.capabilities()),
    ...(authToken ? { authToken } : {}),
  });
}
