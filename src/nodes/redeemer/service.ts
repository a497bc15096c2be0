// net.TicketRedeemer over a WinningTicketSink (the redemption queue) and a MaxFloatSource (the
// sender monitor): go-livepeer's server/redeemer.go, with every field checked first.
//
// QueueTicket, as go-livepeer: the recipient must be the one this redeemer serves (PERMISSION_DENIED
// "invalid ticket recipient …"), a sink failure is INTERNAL. Beyond go-livepeer, which queues what
// it is given: malformed fields are INVALID_ARGUMENT (go-livepeer dereferences missing sub-messages),
// and so are a recipientRand that does not hash to recipientRandHash, a signature that is not the
// sender's, or a ticket that does not win — each would only revert on chain, and only a ticket
// signed by a funded sender costs anyone anything to make. The sink is awaited before the answer,
// so an OK means the ticket is as safe as the sink makes it (durable with the store's queue).
import { createHash, timingSafeEqual } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import type { Logger } from 'pino';
import type { Address } from 'viem';
import {
  isWinningTicket,
  recipientRandHash,
  ticketHashBytes,
  verifyTicketSig,
  type MaxFloatSource,
  type WinningTicket,
  type WinningTicketSink,
} from '../../pm/index.js';
import {
  QueueTicketResSchema,
  maxFloatReqFromWire,
  maxFloatUpdateToWire,
  refusalConnectError,
  toHex,
  winningTicketFromWire,
  type RedeemerServiceImpl,
} from '../../wire/index.js';
import { MaxFloatSubscriptions, type SubscriptionLimits } from './subscriptions.js';

/** `authorization: Bearer <secret>` checked in constant time; undefined secret = open (loopback only). */
function authorizer(secret: string | undefined): (headers: Headers) => void {
  if (secret === undefined) return () => undefined;
  const want = createHash('sha256').update(`Bearer ${secret}`).digest();
  return (headers) => {
    const got = createHash('sha256').update(headers.get('authorization') ?? '').digest();
    if (!timingSafeEqual(got, want)) throw refusalConnectError('missing or wrong redeemer secret', Code.Unauthenticated, 'REDEEMER_UNAUTHENTICATED', { fatal: true });
  };
}

export interface RedeemerServiceOptions {
  /** Shared secret callers must present (a bearer token); unset: no check (the config allows it on loopback only). */
  secret?: string;
  /** The ticket recipient served (go-livepeer: -ethOrchAddr, else the redeemer's own account). */
  recipient: Address;
  sink: WinningTicketSink;
  maxFloat: MaxFloatSource;
  limits?: Partial<SubscriptionLimits>;
  log?: Logger;
  /** After a ticket is in the sink (stats). */
  onQueued?: (t: WinningTicket) => void;
}

export interface RedeemerService {
  impl: RedeemerServiceImpl;
  /** Max float may have changed (a new block, a redemption): re-read and push to the open streams. */
  notify(sender?: Address): void;
  sizes(): { subscribers: number; senders: number };
  /** Ends the open streams and refuses further calls (UNAVAILABLE). */
  close(): void;
}

/** Why a well-formed ticket cannot be redeemed by anyone; undefined when it can. */
export function unredeemableReason(w: WinningTicket): { reason: string; message: string } | undefined {
  const t = w.ticket;
  if (recipientRandHash(w.recipientRand).toLowerCase() !== t.recipientRandHash.toLowerCase()) {
    return { reason: 'recipient-rand', message: 'recipientRand does not hash to the ticket\'s recipientRandHash' };
  }
  const sig = verifyTicketSig(t.sender, ticketHashBytes(t), w.sig);
  if (sig !== null) return { reason: sig, message: `invalid ticket signature (${sig}): not signed by sender ${t.sender}` };
  if (!isWinningTicket(w.sig, w.recipientRand, t.winProb)) return { reason: 'not-winning', message: 'the ticket does not win (sig and recipientRand against winProb)' };
  return undefined;
}

export function createRedeemerService(opts: RedeemerServiceOptions): RedeemerService {
  const recipient = opts.recipient.toLowerCase();
  const subs = new MaxFloatSubscriptions(opts.maxFloat, opts.limits, (sender, err) =>
    opts.log?.warn({ sender, err: (err as Error).message }, 'max float read failed; the stream waits for the next change'),
  );
  let closed = false;
  const authorize = authorizer(opts.secret);
  const refuseIfClosed = (headers: Headers) => {
    authorize(headers);
    if (closed) throw refusalConnectError('the redeemer is shutting down', Code.Unavailable, 'REDEEMER_CLOSED');
  };

  const impl: RedeemerServiceImpl = {
    async queueTicket(req, ctx) {
      refuseIfClosed(ctx.requestHeader);
      const w = winningTicketFromWire(req);
      if (w.ticket.recipient.toLowerCase() !== recipient) {
        // go-livepeer's text: the raw recipient bytes in hex, then the expected address checksummed.
        throw refusalConnectError(
          `invalid ticket recipient ${toHex(req.ticketParams!.recipient)}, expected ${opts.recipient}`,
          Code.PermissionDenied,
          'REDEEMER_WRONG_RECIPIENT',
          { fatal: true },
        );
      }
      const bad = unredeemableReason(w);
      if (bad) throw refusalConnectError(bad.message, Code.InvalidArgument, 'REDEEMER_TICKET_INVALID', { reason: bad.reason, fatal: true });
      try {
        await opts.sink.onWinningTicket(w);
      } catch (err) {
        opts.log?.error({ err: (err as Error).message, sender: w.ticket.sender }, 'winning ticket NOT queued');
        throw refusalConnectError((err as Error).message, Code.Internal, 'REDEEMER_QUEUE_FAILED', { cause: err });
      }
      opts.log?.info({ sender: w.ticket.sender, faceValue: w.ticket.faceValue.toString(), recipientRandHash: w.ticket.recipientRandHash }, 'Ticket queued');
      opts.onQueued?.(w);
      // Pending face value lowers max float when the deposit is short (pm.md §6.5).
      subs.notify(w.ticket.sender);
      return create(QueueTicketResSchema);
    },

    async maxFloat(req, ctx) {
      refuseIfClosed(ctx.requestHeader);
      const sender = maxFloatReqFromWire(req);
      try {
        return maxFloatUpdateToWire(await opts.maxFloat.maxFloat(sender));
      } catch (err) {
        throw refusalConnectError((err as Error).message, Code.Internal, 'REDEEMER_MAX_FLOAT_FAILED', { cause: err });
      }
    },

    async *monitorMaxFloat(req, ctx) {
      refuseIfClosed(ctx.requestHeader);
      const sender = maxFloatReqFromWire(req);
      const sub = subs.add(sender);
      try {
        // go-livepeer sends on changes only; the current value first closes the gap between a
        // client's MaxFloat and its subscription (a go-livepeer client just updates its cache).
        subs.notify(sender);
        for (;;) {
          const v = await sub.next(ctx.signal);
          if (v === undefined) return;
          yield maxFloatUpdateToWire(v);
        }
      } finally {
        subs.remove(sub);
      }
    },
  };

  return {
    impl,
    notify: (sender) => subs.notify(sender),
    sizes: () => ({ subscribers: subs.size, senders: subs.senderCount }),
    close() {
      closed = true;
      subs.close();
    },
  };
}
