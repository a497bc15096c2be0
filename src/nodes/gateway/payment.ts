// The gateway pays through billing's PaymentSender; this maps a discovery session onto what a
// payment needs. Credit is keyed by (orchestrator, manifest), not by the session's auth id, so a
// refreshed session keeps using the credit the orchestrator holds.
import type { PaymentTarget } from '../../billing/index.js';
import type { OrchestratorSession } from './sessions.js';

export { AI_WORKER_PROTOCOL, PaymentError, TicketPaymentSender, type PaymentSender, type PreparedPayment } from '../../billing/index.js';

/** The orchestrator's info rides along for the remote signer's sender (signer/batch.ts), which sends it to the signer. */
export function paymentTarget(s: OrchestratorSession): PaymentTarget & { info: OrchestratorSession['info'] } {
  return {
    info: s.info,
    url: s.url,
    recipient: s.recipient,
    pmSessionId: s.pmSessionId,
    price: s.price,
    priceWire: s.priceWire,
    authToken: s.info.authToken,
    faceValue: s.ticketParams?.faceValue ?? 0n,
  };
}
