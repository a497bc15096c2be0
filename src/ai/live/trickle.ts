// How the live runner reaches its four channels: trickle clients by URL. The default is the HTTP
// clients of src/media/trickle, with TLS verification off as pytrickle's (the orchestrator's
// trickle server sits on its self-signed HTTPS port).
import { HttpTricklePublisher, HttpTrickleSubscriber } from '../../media/index.js';
import type { TricklePublisher, TrickleSubscriber } from '../../media/index.js';

export interface TrickleClients {
  /** A publisher for the channel at `url` (segments POSTed as `<url>/<seq>`), content type `mime`. */
  publisher(url: string, mime: string): TricklePublisher;
  /** A subscriber for the channel at `url`, starting at `start` (a seq, -1 next, -2 current). */
  subscriber(url: string, start: number): TrickleSubscriber;
}

/** pytrickle's subscribers start at -2: the segment being written, from its beginning. */
export const RUNNER_SUBSCRIBE_START = -2;

export function httpTrickleClients(opts: { insecureSkipVerify?: boolean } = {}): TrickleClients {
  const insecureSkipVerify = opts.insecureSkipVerify ?? true;
  return {
    publisher: (url, mime) => new HttpTricklePublisher({ url, mime, insecureSkipVerify }),
    // a reader that fell out of the server's window goes on at the live edge, as pytrickle does on 470
    subscriber: (url, start) => new HttpTrickleSubscriber({ url, start, jumpToLatest: true, insecureSkipVerify }),
  };
}
