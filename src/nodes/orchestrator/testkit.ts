// Test helpers: a minimal "gateway" built from pm's Sender and the wire codecs (no gateway node),
// and an HTTP/2 + TLS client for the AI routes. Used by the orchestrator tests only.
import { connect } from 'node:http2';
import type { Hex } from 'viem';
import { encodePng, encodeWav16, newImage } from '../../ai/index.js';
import { aiJobCapabilities, pipelineToCapability, type AiPipeline } from '../../market/index.js';
import { Sender, localTicketSigner, type ChainView, type SenderInfoSource, type TicketSigner } from '../../pm/index.js';
import type { Capabilities as WireCapabilities, OrchestratorInfo, SegData } from '../../wire/index.js';
import {
  createOrchestratorClient,
  createOrchestratorRequest,
  createPaymentSegCreds,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  paymentToWire,
  priceInfoFromWire,
  ticketParamsFromWire,
} from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body as received (binary answers: a PaymentResult). */
  bytes: Buffer;
}

/** One request over HTTP/2 + TLS (the orchestrator's self-signed certificate is not verified, as go-livepeer). */
export function h2post(baseUrl: string, path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const session = connect(baseUrl, { rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, ...headers });
    const chunks: Buffer[] = [];
    let status = 0;
    let resHeaders: Record<string, string | string[] | undefined> = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
      resHeaders = h as Record<string, string | string[] | undefined>;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      session.close();
      const bytes = Buffer.concat(chunks);
      resolve({ status, headers: resHeaders, text: bytes.toString('utf8'), bytes });
    });
    req.on('error', (e) => {
      session.close();
      reject(e);
    });
    req.end(typeof body === 'string' ? Buffer.from(body) : Buffer.from(body));
  });
}

/** A multipart body as bytes + its content type. */
export async function multipart(fields: Record<string, string>, files: Record<string, { data: Uint8Array; type: string; name: string }>): Promise<{ body: Uint8Array; contentType: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const [k, f] of Object.entries(files)) form.append(k, new Blob([f.data], { type: f.type }), f.name);
  const r = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: new Uint8Array(await r.arrayBuffer()), contentType: r.headers.get('content-type')! };
}

export function pngOf(width: number, height: number): Uint8Array {
  return new Uint8Array(encodePng(newImage(width, height)));
}

export function wavOf(seconds: number, sampleRate = 8000): Uint8Array {
  const s = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < s.length; i++) s[i] = Math.sin(i / 5) * 0.3;
  return new Uint8Array(encodeWav16(s, sampleRate));
}

/** A paying client of one orchestrator for one (pipeline, model), as a gateway would be. */
export class TestGateway {
  readonly signer: TicketSigner;
  readonly sender: Sender;
  info!: OrchestratorInfo;
  sessionId!: string;
  constructor(
    privateKey: Hex,
    chain: ChainView,
    senders: SenderInfoSource,
    readonly orchUrl: string,
    readonly pipeline: AiPipeline,
    readonly modelId: string,
  ) {
    this.signer = localTicketSigner(privateKey);
    this.sender = new Sender({ signer: this.signer, chain, senders, maxEV: 10n ** 18n, maxTotalEV: 10n ** 20n });
  }

  caps() {
    return capabilitiesToWire(aiJobCapabilities(this.pipeline, this.modelId));
  }

  /** GetOrchestrator with this job's capabilities, then a new ticket session on the params. */
  async refresh(): Promise<OrchestratorInfo> {
    const client = createOrchestratorClient(this.orchUrl);
    try {
      this.info = await client.getOrchestrator(await createOrchestratorRequest(this.signer, { capabilities: this.caps() }));
    } finally {
      client.close();
    }
    if (this.info.ticketParams && this.info.priceInfo) {
      this.sessionId = this.sender.startSession(ticketParamsFromWire(this.info.ticketParams, priceInfoFromWire(this.info.priceInfo)));
    }
    return this.info;
  }

  /** Signed for this job as a go-livepeer gateway signs it: manifest "<capability>_<model>", the job's capabilities. */
  async segCreds(opts: { signer?: TicketSigner; authToken?: boolean; manifestId?: string; capabilities?: WireCapabilities } = {}): Promise<SegData> {
    return createPaymentSegCreds(
      {
        manifestId: opts.manifestId ?? `${pipelineToCapability(this.pipeline)!}_${this.modelId}`,
        authToken: opts.authToken === false ? undefined : this.info.authToken,
        capabilities: opts.capabilities ?? this.caps(),
      },
      opts.signer ?? this.signer,
    );
  }

  /** Livepeer-Payment + Livepeer-Segment for `tickets` tickets (0 = a ticketless payment). */
  async headers(tickets: number, opts: { segSigner?: TicketSigner } = {}): Promise<Record<string, string>> {
    let payment;
    if (tickets > 0) {
      const batch = await this.sender.createTicketBatch(this.sessionId, tickets);
      payment = paymentToWire(batch, { expectedPrice: this.info.priceInfo });
    } else {
      payment = emptyPayment(this.signer.address, this.info.priceInfo);
    }
    return {
      'livepeer-payment': encodePaymentHeader(payment),
      'livepeer-segment': encodeSegmentHeader(await this.segCreds({ signer: opts.segSigner })),
    };
  }
}
