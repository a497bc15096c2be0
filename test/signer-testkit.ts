// Helpers for the signer node's tests: a small in-test RemoteSignerService (the HTTP layer is what
// these tests exercise; the real service is src/signer's) that answers what each request asks for
// and reports through the node's seams, and an HTTP client over real loopback sockets.
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Hex } from 'viem';
import { Rat } from '../src/money/index.js';
import { localTicketSigner } from '../src/pm/index.js';
import { signOrchestratorRequestAddress, toHex } from '../src/wire/index.js';
import type { RemoteSignerService, SignerCallContext, SignerJobType, SignerOutcome } from '../src/signer/index.js';
import type { SignerServiceSeams } from '../src/nodes/signer/index.js';

export const SIGNER_KEY: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

export interface StubCall {
  body: unknown;
  ctx: SignerCallContext;
}

/**
 * Answers `body.want` (a status; 200 by default) with a contract-shaped outcome; `body.hold`
 * waits for the call's signal (to test cancellation); `body.throw` throws. Reports every call and
 * a 200's tickets through the seams' events.
 */
export async function stubSigner(seams?: SignerServiceSeams): Promise<RemoteSignerService & { calls: StubCall[]; closed: boolean; aborted: number }> {
  const signer = localTicketSigner(SIGNER_KEY);
  const signature = toHex(await signOrchestratorRequestAddress(signer));
  const calls: StubCall[] = [];
  const svc = {
    calls,
    closed: false,
    aborted: 0,
    signOrchestratorInfo: () => ({ address: signer.address, signature }),
    async generateLivePayment(body: unknown, ctx: SignerCallContext): Promise<SignerOutcome> {
      calls.push({ body, ctx });
      const b = (body ?? {}) as { want?: number; type?: SignerJobType; hold?: boolean; throw?: { status?: number; code?: string; message: string }; tickets?: number; authId?: string };
      const type = b.type ?? 'lv2v';
      if (b.hold) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        svc.aborted++;
      }
      if (b.throw) {
        const { LivepeerError } = await import('../src/errors/index.js');
        throw new LivepeerError(b.throw.code ?? 'SIGNER_INTERNAL', b.throw.message, b.throw.status === undefined ? {} : { status: b.throw.status });
      }
      const want = b.want ?? 200;
      seams?.events.call(type, want, want === 200 ? undefined : `CODE_${want}`, 1);
      if (want === 200) {
        const tickets = b.tickets ?? 1;
        seams?.events.signed(type, tickets, Rat.of(BigInt(tickets) * 1000n, 3n), b.authId ?? '');
        return { status: 200, body: { payment: 'cGF5bWVudA==', segCreds: 'c2VnQ3JlZHM=', state: { State: 'e30=', Sig: 'c2ln' } } };
      }
      return {
        status: want,
        body: { error: { message: `detail of ${want}`, code: `CODE_${want}` } },
        ...(want === 480 ? { headers: { 'Livepeer-Orchestrator-URL': 'https://o.example:8935' } } : {}),
      };
    },
    close() {
      svc.closed = true;
      return Promise.resolve();
    },
  };
  return svc;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = unknown>(): T;
}

export function call(
  base: string,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent; ca?: string; signal?: AbortSignal } = {},
): Promise<Reply> {
  const u = new URL(path, base);
  const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
    method: o.method ?? 'POST',
    headers: { ...(o.body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers },
    ...(o.agent ? { agent: o.agent } : {}),
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return new Promise((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.end(o.body);
  });
}
