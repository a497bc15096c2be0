// The gRPC routes' requests (GetOrchestrator, Ping) are read by Connect, which bounds their size
// (64 KiB, RESOURCE_EXHAUSTED) but not their time: a stalled one would hold its stream for as long
// as the client keeps the session busy. They get the AI routes' idle and total body deadlines; a
// stalled call is reset (its client sees CANCELLED) rather than answered, since nobody is reading.
import { constants } from 'node:http2';
import type { FastifyInstance } from 'fastify';
import { guardRequestBody, h2StreamOf } from '../common/index.js';

export const GRPC_PATH_PREFIX = '/net.Orchestrator/';

export function guardGrpcBodies(app: FastifyInstance, o: { idleMs: number; totalMs: number; onRefusal(code: 'BODY_TIMEOUT'): void }): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith(GRPC_PATH_PREFIX)) return;
    guardRequestBody(req, reply, {
      maxBytes: Number.POSITIVE_INFINITY,
      idleMs: o.idleMs,
      totalMs: o.totalMs,
      endAfterAnswer: false,
      refuse: () => {
        o.onRefusal('BODY_TIMEOUT');
        const stream = h2StreamOf(req);
        if (stream) stream.close(constants.NGHTTP2_CANCEL);
        else req.raw.socket.destroy();
      },
    });
  });
}
