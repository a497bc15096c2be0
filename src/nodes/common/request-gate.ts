// A cap on requests a node holds before they have paid (orchestrator: until the payment is
// validated; gateway: until the job is read and counted): each holds a body of up to the route's
// limit and costs parsing and signature checks that nobody has paid for yet, so without a cap a
// burst of them grows memory without bound. Above the cap a request is refused at once (503 with
// Retry-After), before its body is read.
import type { FastifyReply } from 'fastify';

/** Seconds a refused client is told to wait (Retry-After): the requests ahead of it take about that long to read and check. */
export const UNPAID_RETRY_AFTER_S = 1;

export class RequestGate {
  private held = 0;
  constructor(readonly max: number) {}

  /** Requests admitted and not yet released. */
  get inFlight(): number {
    return this.held;
  }

  /**
   * Admits a request (a fastify reply, or `{ raw: stream }` for a raw HTTP/2 stream): returns its release (idempotent; also run when the reply is sent or the
   * request closes, whatever happened), or undefined when `max` are already held.
   */
  enter(reply: FastifyReply | { raw: NodeJS.EventEmitter }): (() => void) | undefined {
    if (this.held >= this.max) return undefined;
    this.held++;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.held--;
    };
    // The answer is out (or the client is gone): nothing of the request is held any more.
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    return release;
  }
}
