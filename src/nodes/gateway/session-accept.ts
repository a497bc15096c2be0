// Whether one GetOrchestrator answer makes a usable session for a job (go-livepeer's AI session
// rules): a transcoder URL, the job's capabilities and model, an auth token, a usable price (and,
// when asked, one within the max), and on-chain ticket params this gateway will pay with — then the
// pm Sender session the payments use.
import type { Address } from 'viem';
import type { PriceInfo } from '../../money/index.js';
import { priceRat } from '../../money/index.js';
import { incompatibility } from '../../market/index.js';
import type { Hex32, Sender, TicketParams } from '../../pm/index.js';
import { PmError } from '../../pm/index.js';
import type { OrchestratorInfo } from '../../wire/index.js';
import { addressFromWire, priceInfoFromWire, priceInfoToWire, ticketParamsFromWire } from '../../wire/index.js';
import { capabilitiesFromWire } from '../common/index.js';
import { SENDER_FUNDS_REASONS } from './attempt-failure.js';
import type { GatewayErrorCode } from './errors.js';
import { SessionRefusedError } from './refused.js';
import type { JobTarget, OrchestratorSession } from './sessions.js';

/** go-livepeer's acceptance rules for an AI session, the max-price filter (when `job.maxPrice` is set) and ticket-param validation. Throws SessionRefusedError. */
export async function acceptSession(url: string, info: OrchestratorInfo, job: JobTarget, sender: Sender | undefined, now: number): Promise<OrchestratorSession> {
  if (info.transcoder === '') throw new SessionRefusedError('GW_NO_TRANSCODER', `${url} answered without a transcoder URL`);
  const orchCaps = capabilitiesFromWire(info.capabilities);
  const why = incompatibility(job.capabilities, orchCaps);
  if (why) throw new SessionRefusedError('GW_INCOMPATIBLE', `${url} cannot run ${job.pipeline}/${job.modelId}: ${JSON.stringify(why)}`);
  if (!orchCaps.perCapability.get(job.capability)?.has(job.modelId)) {
    throw new SessionRefusedError('GW_MODEL_MISSING', `${url} does not list model ${job.modelId} for ${job.pipeline}`);
  }
  if (!info.authToken) throw new SessionRefusedError('GW_NO_AUTH_TOKEN', `${url} sent no auth token`);
  // An offchain go-livepeer orchestrator sends no price_info (it has no Recipient): free when we pay nothing either.
  const priceWire = info.priceInfo ?? (sender ? undefined : priceInfoToWire({ pricePerUnit: 0n, pixelsPerUnit: 1n }));
  if (!priceWire) throw new SessionRefusedError('GW_NO_PRICE', `${url} sent no price`);
  let price: PriceInfo;
  try {
    price = priceInfoFromWire(priceWire);
  } catch (err) {
    throw new SessionRefusedError('GW_BAD_PRICE', `${url} sent an unusable price: ${(err as Error).message}`);
  }
  const perUnit = priceRat(price);
  // A price of 0 always passes (go-livepeer filterByMaxPrice); equality passes too.
  if (job.maxPrice && perUnit.gt(0n) && perUnit.gt(job.maxPrice)) {
    throw new SessionRefusedError(
      'GW_PRICE_TOO_HIGH',
      `${url} asks ${perUnit.toString()} wei/unit for ${job.pipeline}/${job.modelId}, above the max price ${job.maxPrice.toString()}: no job is sent to it`,
    );
  }
  let ticketParams: TicketParams | undefined;
  let pmSessionId: Hex32 | undefined;
  let recipient: Address | undefined = info.address.length === 20 ? addressFromWire(info.address, 'address') : undefined;
  if (sender) {
    if (!info.ticketParams) throw new SessionRefusedError('GW_NO_TICKET_PARAMS', `${url} sent no ticket params (is it running on-chain?)`);
    try {
      ticketParams = ticketParamsFromWire(info.ticketParams, price);
      await sender.validateTicketParams(ticketParams, 1);
    } catch (err) {
      const code: GatewayErrorCode = err instanceof PmError ? `PM_${err.code}` : 'GW_BAD_TICKET_PARAMS';
      const senderFunds = err instanceof PmError && SENDER_FUNDS_REASONS.has(err.code) ? err.code : undefined;
      throw new SessionRefusedError(code, `${url} sent ticket params this gateway will not pay with: ${(err as Error).message}`, { cause: err, ...(senderFunds ? { senderFunds } : {}) });
    }
    recipient = ticketParams.recipient;
    // Never restart a session we already have: that would reuse nonces (a replay to the orchestrator).
    pmSessionId = sender.hasSession(ticketParams.recipientRandHash)
      ? ticketParams.recipientRandHash
      : sender.startSession(ticketParams);
  }
  return {
    url,
    transcoder: info.transcoder.replace(/\/+$/, ''),
    info,
    price,
    priceWire,
    recipient,
    ticketParams,
    pmSessionId,
    authSessionId: info.authToken.sessionId,
    authExpiration: info.authToken.expiration,
    latencyMs: 0,
    answeredAt: now,
  };
}
