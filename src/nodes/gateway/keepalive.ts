// Liveness of one HTTP/2 connection to an orchestrator while it carries job requests. A process
// that dies closes its sockets (the session's 'close' fails the streams at once), but a host that
// hangs, loses power or drops off the network sends nothing: without this, a request to it waits
// for its deadline (minutes for an image job). So while requests are in flight the gateway sends a
// PING every intervalMs; one not answered within timeoutMs ends the session, failing its requests
// (they are retried elsewhere). Idle sessions are not pinged: a PING counts as activity and would
// keep the idle-close timer from ever firing. Go's http2.Transport has the same mechanism
// (ReadIdleTimeout, PingTimeout), off by default and not enabled by go-livepeer.
import type { ClientHttp2Session } from 'node:http2';

export interface KeepAliveOptions {
  /** 0 = no pings. */
  intervalMs: number;
  timeoutMs: number;
  /** The peer did not answer a PING in time. */
  onDead(): void;
}

export interface KeepAlive {
  /** A request started on the session. */
  begin(): void;
  /** A request on the session ended (exactly once per begin). */
  end(): void;
  /** The session is gone: stop every timer. */
  stop(): void;
}

/** A timer this late means our event loop did not run meanwhile. */
const STALL_MS = 100;

export function keepAlive(session: ClientHttp2Session, o: KeepAliveOptions): KeepAlive {
  let active = 0;
  let interval: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let outstanding = false;
  let stopped = false;

  const clear = (): void => {
    clearInterval(interval);
    clearTimeout(deadline);
    interval = deadline = undefined;
    outstanding = false;
  };
  const ping = (): void => {
    if (outstanding || session.destroyed || session.closed) return;
    outstanding = true;
    let sent: boolean;
    try {
      // An error here means the session closed meanwhile: its own 'close' fails the streams.
      sent = session.ping(() => {
        outstanding = false;
        clearTimeout(deadline);
        deadline = undefined;
      });
    } catch {
      sent = false;
    }
    if (!sent) {
      outstanding = false;
      return;
    }
    arm(performance.now() + o.timeoutMs);
  };
  // The verdict needs timeoutMs of our own event loop running: a timer that fires late means the
  // loop was stalled (by this process, maybe the very peer when it shares the process), and the
  // answer may be sitting unread in the socket; then the wait starts over.
  const arm = (due: number): void => {
    deadline = setTimeout(() => {
      if (!outstanding || stopped) return;
      const now = performance.now();
      if (now - due > STALL_MS) {
        arm(now + o.timeoutMs);
        return;
      }
      // Read pending I/O first (an answer that arrived just now), then judge.
      setImmediate(() => {
        if (!outstanding || stopped) return;
        clear();
        o.onDead();
      });
    }, Math.max(0, due - performance.now()));
    deadline.unref();
  };

  return {
    begin() {
      active++;
      if (stopped || o.intervalMs <= 0 || interval) return;
      interval = setInterval(ping, o.intervalMs);
      interval.unref();
    },
    end() {
      active = Math.max(0, active - 1);
      if (active === 0) clear();
    },
    stop() {
      stopped = true;
      clear();
    },
  };
}
