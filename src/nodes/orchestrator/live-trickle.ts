// The orchestrator's live channels on src/media's in-process trickle server (LiveChannelHost).
import { isTrickleError, type TrickleServer } from '../../media/index.js';
import type { LiveChannelHost } from './live-session.js';

export function trickleChannelHost(server: TrickleServer): LiveChannelHost {
  return {
    createChannel: (name, mime) => server.createChannel(name, mime),
    closeChannel: (name) => void server.closeChannel(name),

    async watch(name, signal, onSegment) {
      // go-livepeer's payment watcher reads at the live edge; one that falls behind jumps to it.
      const sub = server.localSubscriber(name, { start: -1, jumpToLatest: true });
      const stop = () => sub.close();
      signal.addEventListener('abort', stop, { once: true });
      try {
        for (;;) {
          if (signal.aborted) return;
          let seg;
          try {
            seg = await sub.read(signal);
          } catch (err) {
            // Removed (404) or closed under us: the input has ended.
            if (signal.aborted || isTrickleError(err)) return;
            throw err;
          }
          if (seg === null) return;
          onSegment();
          // Drained, so the next read waits for the next segment instead of racing ahead.
          try {
            for await (const _ of seg) void _;
          } catch (err) {
            if (signal.aborted) return;
            if (!isTrickleError(err)) throw err;
          }
        }
      } finally {
        signal.removeEventListener('abort', stop);
        sub.close();
      }
    },

    async publish(name, data, signal) {
      if (signal.aborted) throw signal.reason as Error;
      // At the live edge (POST seq -1): the runner writes this channel too, from its own seq
      // counter, so a publisher of ours counting from 0 would overwrite its segments. A segment the
      // runner has preconnected (nothing written yet) is taken over: its readers get the event.
      const channel = server.channel(name);
      if (!channel || channel.closed) throw new Error(`trickle channel ${name} is gone`);
      const seg = channel.forWrite(-1);
      channel.started(seg, Date.now());
      if (!seg.append(Buffer.from(data))) throw seg.error ?? new Error(`could not write on ${name}`);
      seg.end();
    },
  };
}
