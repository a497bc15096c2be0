// The remote signer's wire contract (go-livepeer server/remote_signer.go; facts in
// docs/signer.md), shared by the signer (src/signer, served by src/nodes/signer) and the gateway's
// client (src/nodes/gateway/signer). JSON keys are Go's field names; Go matches keys
// case-insensitively on input, so decoders must too; []byte fields are standard base64 with padding.
import type { Rat } from '../money/index.js';

/** go-livepeer's custom statuses. */
export const SIGNER_STATUS = {
  /** HTTPStatusRefreshSession: the auth token is in its last 10 % or the ticket params expired; `Livepeer-Orchestrator-URL` says where to refresh. */
  REFRESH_SESSION: 480,
  /** HTTPStatusPriceExceeded: the orchestrator's price is above a ceiling. */
  PRICE_EXCEEDED: 481,
  /** HTTPStatusNoTickets: the state's balance already covers max(fee, EV). */
  NO_TICKETS: 482,
  /** Ours: the state is not the latest the signer issued for its session (replay or a lost race). */
  STATE_CONFLICT: 409,
} as const;

/** Header on a 480: the orchestrator's service URL (OrchestratorInfo.transcoder). */
export const ORCHESTRATOR_URL_HEADER = 'Livepeer-Orchestrator-URL';
/** Optional auth identity sent by the gateway (pinned into the state). */
export const SIGNER_AUTH_ID_HEADER = 'Signer-Auth-Id';

export const SIGNER_PATHS = {
  signOrchestratorInfo: '/sign-orchestrator-info',
  generateLivePayment: '/generate-live-payment',
  discoverOrchestrators: '/discover-orchestrators',
} as const;

/** go-livepeer's job types; '' = untyped (billed by `inPixels`). */
export type SignerJobType = 'lv2v' | 'live' | 'fixed' | '';

/** RemotePaymentStateSig: `State` = the JSON of RemotePaymentState, `Sig` = EIP-191 over those bytes (both base64). */
export interface SignedStateWire {
  State: string;
  Sig: string;
}

/**
 * RemotePaymentState with Go's field names. int64/uint64 fields can exceed 2^53: decode them exactly
 * (bigint), never through a JS number.
 */
export interface RemotePaymentState {
  StateID: string;
  /** recipient_rand_hash hex ("0x…") of the params used last. */
  PMSessionID: string;
  /** RFC3339Nano; Go's zero time "0001-01-01T00:00:00Z" for a fresh session. */
  LastUpdate: string;
  /** Lowercase "0x…". */
  OrchestratorAddress: string;
  App: string;
  AuthExpiry: bigint;
  SenderNonce: number;
  /** big.Rat.RatString(): "0", "1234", "7/3"; "" for a fresh session. */
  Balance: string;
  InitialPricePerUnit: bigint;
  InitialPixelsPerUnit: bigint;
  Type: SignerJobType;
  SequenceNumber: bigint;
  AuthID: string;
}

/** maxPrice in a request or from the webhook: price in wei per unit. */
export interface SignerMaxPrice {
  /** Exact decimal (a JSON number or numeric string on the wire). */
  price: string;
  currency: string;
  unit: '720p-pixel-seconds' | 'seconds' | 'fixed' | string;
}

/** POST /generate-live-payment body (RemotePaymentRequest), as keys are emitted by Go. */
export interface GenerateLivePaymentRequestWire {
  state?: SignedStateWire;
  /** base64 net.OrchestratorInfo. */
  orchestrator: string;
  ManifestID?: string;
  app?: string;
  inPixels?: number | string;
  type?: SignerJobType;
  maxPrice?: SignerMaxPrice;
  /** base64 net.Capabilities. */
  capabilities?: string;
}

/** 200 body (RemotePaymentResponse). */
export interface GenerateLivePaymentResponseWire {
  /** The exact Livepeer-Payment header value. */
  payment: string;
  /** The exact Livepeer-Segment header value. */
  segCreds: string;
  state: SignedStateWire;
}

/** POST /sign-orchestrator-info 200 body. */
export interface SignOrchestratorInfoResponseWire {
  /** EIP-55 checksummed. */
  address: string;
  /** 0x + 65 bytes hex, personal_sign(keccak256(utf8(address))). */
  signature: string;
}

/**
 * Error envelope: go-livepeer's `{"error":{"message"}}` (500 → "Internal Server Error", 503 →
 * "Service Unavailable Error"), with our additions inside `error` and at the top level. Clients
 * decide on `status` and `error.code`, never on the message.
 */
export interface SignerErrorBodyWire {
  error: {
    message: string;
    /** Ours: a stable code (SignerErrorCode). */
    code?: string;
    /** 409: the latest sequence number the signer issued for this session. */
    latestSequenceNumber?: string;
    /** 482: call again after this many ms (the time the state's balance still covers). */
    retryAfterMs?: number;
  };
  /**
   * Ours. 482: the unchanged state (fixes go-livepeer #4077's wedge). 409: the latest state the
   * signer issued for the session, so the client resyncs and carries on.
   */
  state?: SignedStateWire;
}

/** The codes a signer refusal carries (error.code). */
export type SignerErrorCode =
  | 'SIGNER_BAD_REQUEST' // 400: bad JSON, protobuf, price, params, manifest id, job type, capabilities, maxPrice
  | 'SIGNER_INVALID_STATE' // 400: bad signature, undecodable, orchestrator/app/type mismatch
  | 'SIGNER_TOO_MANY_TICKETS' // 400: more than 100 tickets in one call
  | 'SIGNER_REFRESH_SESSION' // 480
  | 'SIGNER_PRICE_EXCEEDED' // 481
  | 'SIGNER_NO_TICKETS' // 482
  | 'SIGNER_STATE_REPLAYED' // 409: an older state than the latest issued
  | 'SIGNER_STATE_CONFLICT' // 409: a concurrent call for the same session won
  | 'SIGNER_STATE_UNKNOWN' // 409: no record of the session in the replay store (pruned, or another signer's): start with a null state
  | 'SIGNER_SPEND_CAP' // 403: a spend cap (session, auth id, total) would be exceeded; nothing signed
  | 'SIGNER_UNAUTHORIZED' // 401: missing or wrong bearer token (-authToken)
  | 'SIGNER_WEBHOOK_REFUSED' // the auth webhook's own status
  | 'SIGNER_WEBHOOK_FAILED' // 500/502: the webhook failed or answered malformed JSON
  | 'SIGNER_AUTH_ID_CHANGED' // 500 (go-livepeer): a different auth id than the state's pinned one
  | 'SIGNER_INTERNAL'; // 500

/** What the HTTP layer hands the signer for one call. */
export interface SignerCallContext {
  /** The incoming request headers (lowercase names), forwarded to the auth webhook. */
  headers: Record<string, string | string[] | undefined>;
  signal: AbortSignal;
}

/** One answer, ready to write: status, JSON body, extra headers (e.g. Livepeer-Orchestrator-URL on 480). */
export type SignerOutcome =
  | { status: 200; body: GenerateLivePaymentResponseWire; headers?: Record<string, string> }
  | { status: number; body: SignerErrorBodyWire; headers?: Record<string, string> };

/** The auth webhook's verdict (go-livepeer authLivePayment, §2.10 of docs/signer.md). */
export interface SignerAuthDecision {
  /** 200 = allowed; anything else is returned to the gateway with `reason`. */
  status: number;
  reason?: string;
  /** Unix seconds until which the webhook is skipped (carried in the signed state). */
  expiry?: bigint;
  authId?: string;
  maxPrice?: SignerMaxPrice;
}

/** The webhook seam: implemented by the node (HTTP client to -remoteSignerWebhookUrl). */
export interface SignerAuthorizer {
  authorize(state: RemotePaymentState, ctx: SignerCallContext): Promise<SignerAuthDecision>;
}

/** The signer service the HTTP layer (src/nodes/signer) serves. */
export interface RemoteSignerService {
  /** POST /sign-orchestrator-info (the body is ignored). */
  signOrchestratorInfo(): SignOrchestratorInfoResponseWire;
  /** POST /generate-live-payment: `body` is the parsed JSON (any shape; validated here). */
  generateLivePayment(body: unknown, ctx: SignerCallContext): Promise<SignerOutcome>;
  close(): Promise<void>;
}

/** What the signer reports for metrics and logs (the node wires it to prom-client). */
export interface SignerEvents {
  /** One /generate-live-payment call ended with `status` (200, 400, 409, 480, 481, 482, …). */
  call(type: SignerJobType, status: number, code: string | undefined, ms: number): void;
  /** Tickets signed by a successful call and their total EV (wei, exact). */
  signed(type: SignerJobType, tickets: number, ev: Rat, authId: string): void;
}
