// The orchestrator's answer to POST /live-video-to-video (go-livepeer's LiveVideoToVideoResponse):
// {publish_url, subscribe_url, control_url, events_url, manifest_id}. go-livepeer's orchestrator
// sends absolute URLs under <serviceURI>/ai/trickle/; older ones (and other implementations) send
// paths, which the gateway resolves against the orchestrator's transcoder URL, as go-livepeer's
// gateway prefixes relative URLs with the orchestrator's host.

import { LivepeerError } from '../../../errors/index.js';

export interface LiveOrchestratorUrls {
  /** Where the gateway publishes the input (the orchestrator's `<mid>` channel). */
  publishUrl: string;
  /** Where the gateway reads the output (`<mid>-out`). */
  subscribeUrl: string;
  controlUrl: string;
  eventsUrl: string;
  manifestId: string;
}

/** The orchestrator's start reply cannot be used (GW_LIVE_BAD_START_REPLY): the orchestrator is suspended, another one tried. */
export class StartReplyError extends LivepeerError<'GW_LIVE_BAD_START_REPLY'> {
  override name = 'StartReplyError';
  constructor(message: string) {
    super('GW_LIVE_BAD_START_REPLY', message);
  }
}

function resolve(field: string, v: unknown, base: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new StartReplyError(`the live start reply has no ${field}`);
  let u: URL;
  try {
    // An absolute URL stays as it is; a path (with or without a leading slash) goes under the
    // transcoder's origin (its path, if any, is not the trickle base).
    u = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? new URL(v) : new URL(v.startsWith('/') ? v : `/${v}`, `${new URL(base).origin}/`);
  } catch {
    throw new StartReplyError(`the live start reply's ${field} ${JSON.stringify(v)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StartReplyError(`the live start reply's ${field} is not http(s): ${u.protocol}`);
  return u.toString().replace(/\/+$/, '');
}

/** Parses and resolves the reply; throws StartReplyError when it is unusable. */
export function parseStartReply(json: unknown, transcoder: string): LiveOrchestratorUrls {
  if (typeof json !== 'object' || json === null) throw new StartReplyError('the live start reply is not a JSON object');
  const j = json as Record<string, unknown>;
  const manifestId = j.manifest_id;
  if (typeof manifestId !== 'string' || manifestId === '') throw new StartReplyError('the live start reply has no manifest_id');
  return {
    publishUrl: resolve('publish_url', j.publish_url, transcoder),
    subscribeUrl: resolve('subscribe_url', j.subscribe_url, transcoder),
    controlUrl: resolve('control_url', j.control_url, transcoder),
    eventsUrl: resolve('events_url', j.events_url, transcoder),
    manifestId,
  };
}
