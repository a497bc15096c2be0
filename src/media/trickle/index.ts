// Public surface of src/media/trickle: go-livepeer's trickle protocol — the server (in-process API,
// HTTP routes, fastify mount, standalone), the HTTP publisher and subscriber, local ones.
export type { SegmentReader, SegmentWriter, TricklePublisher, TrickleSubscriber } from './types.js';
export type { TrickleErrorCode } from './errors.js';
export { SequenceNonexistentError, TrickleError, isTrickleError, trickleErrorCodes } from './errors.js';
export { SEGMENTS_PER_CHANNEL } from './channel.js';
export type { TrickleServerOptions } from './server.js';
export { TRICKLE_DEFAULTS, TrickleServer, isChannelName } from './server.js';
export type { LocalSubscriberOptions } from './local.js';
export { LocalPublisher, LocalSubscriber } from './local.js';
export type { TrickleRequest, TrickleResponse } from './http.js';
export { TRICKLE_STATUS_NONEXISTENT, handleTrickle } from './http.js';
export type { StandaloneTrickle } from './mount.js';
export { TRICKLE_HTTP_PATH, registerTrickle, startTrickleServer } from './mount.js';
export type { TrickleClientOptions } from './transport.js';
export type { TricklePublisherOptions } from './publisher.js';
export { HttpSegmentWriter, HttpTricklePublisher } from './publisher.js';
export type { TrickleSubscriberOptions } from './subscriber.js';
export { HttpTrickleSubscriber } from './subscriber.js';
