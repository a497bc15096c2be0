// A small in-test HTTP server that speaks the remote signer's contract (src/signer/types.ts) for the
// gateway's signer-client tests, until the real signer (src/signer, src/nodes/signer) is on main.
// It signs for real what it must (the OrchestratorRequest signature, segment credentials with the
// request's manifest id, auth token and capabilities) and answers ticketless payments from its
// address; each answer can be scripted (480, 481, 482, 409, errors). It records every request
// (headers, raw body, parsed body) and the most calls it saw in flight at once.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { localTicketSigner } from '../src/pm/index.js';
import {
  CapabilitiesSchema,
  OrchestratorInfoSchema,
  createPaymentSegCreds,
  decodeBase64Strict,
  decodeMessage,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  orchestratorRequestHash,
  toHex,
} from '../src/wire/index.js';
import type { SignedStateWire } from '../src/signer/index.js';

export interface SignerRequestRecord {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown> | undefined;
}

export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay before answering (ms). */
  delayMs?: number;
  /** Raw body text instead of JSON. */
  raw?: string;
}

export interface FakeSigner {
  url: string;
  address: `0x${string}`;
  requests: SignerRequestRecord[];
  /** Answers for the next /generate-live-payment calls (the default answer when empty: 200). */
  script: (ScriptedAnswer | ((r: SignerRequestRecord) => ScriptedAnswer | undefined))[];
  /** Answer for /sign-orchestrator-info instead of the real one. */
  signInfoAnswer: ScriptedAnswer | undefined;
  maxInFlight: number;
  /** Served at GET /discover-orchestrators when set (the signer's discovery, -remoteDiscovery). */
  discovery: unknown[] | undefined;
  /** Delay of the default (200) answers, ms. */
  defaultDelayMs: number;
  /** States issued, in order. */
  issued: SignedStateWire[];
  payments(): SignerRequestRecord[];
  close(): Promise<void>;
}

export const FAKE_SIGNER_KEY = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba' as const;

export async function startFakeSigner(): Promise<FakeSigner> {
  const key = localTicketSigner(FAKE_SIGNER_KEY);
  let seq = 0;
  let inFlight = 0;
  const s: FakeSigner = {
    url: '',
    address: key.address,
    requests: [],
    script: [],
    signInfoAnswer: undefined,
    maxInFlight: 0,
    discovery: undefined,
    defaultDelayMs: 0,
    issued: [],
    payments: () => s.requests.filter((r) => r.path === '/generate-live-payment'),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const ok = async (body: Record<string, unknown>): Promise<ScriptedAnswer> => {
    const info = decodeMessage(OrchestratorInfoSchema, decodeBase64Strict(String(body.orchestrator))!);
    const caps = typeof body.capabilities === 'string' ? decodeMessage(CapabilitiesSchema, decodeBase64Strict(body.capabilities)!) : undefined;
    const manifestId = typeof body.ManifestID === 'string' && body.ManifestID !== '' ? body.ManifestID : 'random01';
    const seg = await createPaymentSegCreds({ manifestId, authToken: info.authToken, capabilities: caps }, key);
    const state: SignedStateWire = {
      State: Buffer.from(JSON.stringify({ StateID: 'fake', SequenceNumber: seq, Balance: '0', Type: body.type ?? '' })).toString('base64'),
      Sig: Buffer.from(`sig-${seq}`).toString('base64'),
    };
    seq++;
    s.issued.push(state);
    return { status: 200, body: { payment: encodePaymentHeader(emptyPayment(key.address, info.priceInfo)), segCreds: encodeSegmentHeader(seg), state } };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        inFlight++;
        try {
        s.maxInFlight = Math.max(s.maxInFlight, inFlight);
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> | undefined;
        try {
          body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
        } catch {
          body = undefined;
        }
        const rec: SignerRequestRecord = { path: req.url ?? '', headers: req.headers, raw, body };
        s.requests.push(rec);
        let a: ScriptedAnswer | undefined;
        if (rec.path === '/sign-orchestrator-info') {
          a = s.signInfoAnswer ?? { status: 200, body: { address: key.address, signature: toHex(await key.sign(orchestratorRequestHash(key.address))) } };
        } else if (rec.path === '/generate-live-payment') {
          const next = s.script.shift();
          a = typeof next === 'function' ? next(rec) : next;
          a ??= { ...(await ok(body ?? {})), delayMs: s.defaultDelayMs };
        } else if (rec.path.startsWith('/discover-orchestrators') && s.discovery) {
          a = { status: 200, body: s.discovery };
        } else a = { status: 404, body: { error: { message: 'not found' } } };
        if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
        res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
        res.end(a.raw ?? JSON.stringify(a.body ?? {}));
        } catch (err) {
          res.writeHead(599, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `fake signer failed: ${(err as Error).message}` } }));
        } finally {
          inFlight--;
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  s.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return s;
}

/** A 200 answer's fields built by the fake's own default, for scripting "200 after X". */
export function errorAnswer(status: number, code: string, extra: { state?: SignedStateWire; retryAfterMs?: number; headers?: Record<string, string> } = {}): ScriptedAnswer {
  return {
    status,
    body: { error: { message: `scripted ${status}`, code, ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }) }, ...(extra.state ? { state: extra.state } : {}) },
    ...(extra.headers ? { headers: extra.headers } : {}),
  };
}
