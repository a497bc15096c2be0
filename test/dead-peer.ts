// A peer that is "down" without a port race: a listener on a port the OS gave us (port 0) that
// resets every connection as soon as it is accepted. Unlike "pick a free port and hope nobody binds
// it", nobody else can take this port while the test runs, and connecting fails at once.
// `forwardTo(port)` brings the peer "back": from then on connections are piped to a real server
// on that port (a runner started on port 0), so "down, then back at the same address" needs no
// port guessing either.
import { connect, createServer, type Socket } from 'node:net';

export interface DeadPeer {
  port: number;
  /** host:port */
  addr: string;
  /** Connections it refused so far. */
  refused(): number;
  /** From now on, pipe new connections to 127.0.0.1:`port`; undefined = refuse again. */
  forwardTo(port: number | undefined): void;
  /** An outage: refuse new connections and reset the ones being piped (kept-alive clients see it at once). */
  cut(): void;
  close(): Promise<void>;
}

export async function deadPeer(): Promise<DeadPeer> {
  let refused = 0;
  let target: number | undefined;
  const open = new Set<Socket>();
  const srv = createServer((sock: Socket) => {
    sock.on('error', () => undefined);
    if (target === undefined) {
      refused++;
      sock.resetAndDestroy();
      return;
    }
    const up = connect(target, '127.0.0.1');
    up.on('error', () => sock.destroy());
    sock.on('close', () => up.destroy());
    open.add(sock).add(up);
    sock.once('close', () => open.delete(sock));
    up.once('close', () => open.delete(up));
    sock.pipe(up).pipe(sock);
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  srv.unref();
  const a = srv.address();
  if (!a || typeof a !== 'object') throw new Error('dead peer: no address');
  return {
    port: a.port,
    addr: `127.0.0.1:${a.port}`,
    refused: () => refused,
    forwardTo: (p) => (target = p),
    cut: () => {
      target = undefined;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
