// Each retry / suspension / credit decision, by code: what a livepeer-ts orchestrator sends in
// Livepeer-Error-Code, what go-livepeer's texts stand for (the one compatibility table), and what
// the status alone says when there is neither.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusalCodes, type RemoteRefusal } from '../../wire/index.js';
import { attemptAction, classifyFailure, classifyPaymentError, senderFundsReason } from './attempt-failure.js';
import { goLivepeerRefusal, goLivepeerRpcRefusal } from './golivepeer-errors.js';

const none: RemoteRefusal = { code: undefined, reason: undefined };
const sent = (code: string, reason?: string): RemoteRefusal => ({ code, reason });
/** kind + credited, the two things run.ts acts on. */
const decide = (status: number, remote: RemoteRefusal, text = '') => {
  const f = classifyFailure(status, remote, text);
  return { kind: f.kind, credited: f.credited };
};

describe('attempt failures: decisions by code', () => {
  it('a code decides, whatever the text says', () => {
    // The bug this fixes: a runner 4xx whose text mentions "expired" was taken for a payment failure.
    assert.deepEqual(decide(400, sent('RUNNER_REJECTED'), 'image expired'), { kind: 'client', credited: true });
    assert.deepEqual(decide(500, sent('RUNNER_REJECTED'), 'image-to-image container returned 400: image expired'), { kind: 'client', credited: true });
    // …and a text that looks like a client error does not hide a payment refusal.
    assert.deepEqual(decide(400, sent('PAYMENT_REJECTED', 'INVALID_SIGNATURE'), 'prompt is required'), { kind: 'payment', credited: false });
  });

  it('every refusal code has a decision', () => {
    const expected: Record<string, { kind: string; credited: boolean }> = {
      BAD_REQUEST: { kind: 'client', credited: false },
      PAYMENT_INVALID: { kind: 'payment', credited: false },
      SEGMENT_INVALID: { kind: 'payment', credited: false },
      BAD_SEGMENT_SIGNATURE: { kind: 'payment', credited: false },
      INCOMPATIBLE_CAPABILITIES: { kind: 'payment', credited: false },
      SEGMENT_JOB_MISMATCH: { kind: 'payment', credited: false },
      AUTH_TOKEN: { kind: 'payment', credited: false },
      INSUFFICIENT_CAPACITY: { kind: 'capacity', credited: false },
      TOO_MANY_UNPAID_REQUESTS: { kind: 'capacity', credited: false },
      ORCHESTRATOR_CAPPED: { kind: 'capacity', credited: false },
      TICKET_PARAMS_UNAVAILABLE: { kind: 'payment', credited: false },
      PAYMENT_REJECTED: { kind: 'payment', credited: false },
      EXPECTED_PRICE_TOO_LOW: { kind: 'params-expired', credited: false },
      INSUFFICIENT_BALANCE: { kind: 'payment', credited: true },
      REDEMPTION_UNAVAILABLE: { kind: 'server', credited: false },
      INSUFFICIENT_SENDER_FUNDS: { kind: 'sender-funds', credited: false },
      RUNNER_UNAVAILABLE: { kind: 'server', credited: true },
      RUNNER_FAILED: { kind: 'server', credited: true },
      RUNNER_REJECTED: { kind: 'client', credited: true },
      REQUEST_TOO_LARGE: { kind: 'client', credited: false },
      BODY_TIMEOUT: { kind: 'client', credited: false },
      INTERNAL: { kind: 'server', credited: false },
      MEDIA_PROBE_FAILED: { kind: 'server', credited: false },
    };
    assert.deepEqual(Object.keys(expected).sort(), Object.keys(refusalCodes.codes).sort(), 'a new refusal code needs a decision here');
    for (const [code, want] of Object.entries(expected)) assert.deepEqual(decide(418, sent(code)), want, code);
  });

  it('stale sessions are refreshed: expired params, params from before a crash, used nonces, an expired auth token', () => {
    for (const reason of ['TICKET_PARAMS_EXPIRED', 'TICKET_PARAMS_UNKNOWN_BOOT', 'NONCE_ALREADY_SEEN', 'NONCE_TOO_MANY']) {
      assert.equal(decide(400, sent('PAYMENT_REJECTED', reason)).kind, 'params-expired', reason);
    }
    assert.equal(decide(403, sent('AUTH_TOKEN', 'WIRE_EXPIRED_AUTH_TOKEN')).kind, 'params-expired');
    assert.equal(decide(403, sent('AUTH_TOKEN', 'WIRE_INVALID_AUTH_TOKEN')).kind, 'payment');
  });

  it('a code this version does not know falls back to the status', () => {
    assert.deepEqual(decide(503, sent('SOME_FUTURE_CODE')), { kind: 'server', credited: true });
    assert.deepEqual(decide(400, sent('SOME_FUTURE_CODE'), 'TicketParams expired'), { kind: 'client', credited: false });
  });

  it('with no code and no known text, the status decides', () => {
    assert.deepEqual(decide(500, none, 'something broke'), { kind: 'server', credited: true });
    assert.deepEqual(decide(402, none, 'x'), { kind: 'payment', credited: false });
    assert.deepEqual(decide(403, none, 'x'), { kind: 'payment', credited: false });
    assert.deepEqual(decide(401, none, 'x'), { kind: 'payment', credited: false });
    assert.deepEqual(decide(400, none, 'image expired'), { kind: 'client', credited: false });
    assert.deepEqual(decide(422, none, 'width must be a multiple of 8'), { kind: 'client', credited: false });
  });

  it('local payment errors: stale sessions refresh, the rest try another orchestrator', () => {
    assert.equal(classifyPaymentError('PM_TICKET_PARAMS_EXPIRED').kind, 'params-expired');
    assert.equal(classifyPaymentError('PM_SESSION_NOT_FOUND').kind, 'params-expired');
    assert.equal(classifyPaymentError('PM_NONCE_OVERFLOW').kind, 'params-expired');
    assert.equal(classifyPaymentError('PM_TICKET_PARAMS_EXPIRATION_ZERO').kind, 'payment');
    assert.equal(classifyPaymentError('PM_SIGN_FAILED').kind, 'payment');
    assert.equal(classifyPaymentError('GW_PAYMENT_FAILED').kind, 'payment');
    assert.equal(classifyPaymentError('PM_TICKET_PARAMS_EXPIRED').credited, false);
  });
});

describe("go-livepeer's texts (the compatibility table)", () => {
  // Texts as go-livepeer's orchestrator writes them (http.Error bodies), see golivepeer-errors.ts.
  const cases: [number, string, string, string | undefined, string, boolean][] = [
    [503, 'insufficient capacity\n', 'INSUFFICIENT_CAPACITY', undefined, 'capacity', false],
    [400, 'TicketParams expired', 'PAYMENT_REJECTED', 'TICKET_PARAMS_EXPIRED', 'params-expired', false],
    [400, 'invalid ticket senderNonce: already seen sender=0xabc nonce=3', 'PAYMENT_REJECTED', 'NONCE_ALREADY_SEEN', 'params-expired', false],
    [400, 'invalid ticket senderNonce: too many values sender=0xabc nonce=3', 'PAYMENT_REJECTED', 'NONCE_ALREADY_SEEN', 'params-expired', false],
    [400, 'invalid ticket sender', 'PAYMENT_REJECTED', 'INVALID_SENDER', 'payment', false],
    [400, 'invalid ticket signature', 'PAYMENT_REJECTED', 'INVALID_SIGNATURE', 'payment', false],
    [400, 'invalid recipientRand for ticket recipientRandHash', 'PAYMENT_REJECTED', 'INVALID_RECIPIENT_RAND', 'payment', false],
    [400, 'orchestrator 0xabc is inactive in round 7, cannot process payments', 'PAYMENT_REJECTED', 'ORCHESTRATOR_INACTIVE', 'payment', false],
    [400, 'Insufficient balance', 'INSUFFICIENT_BALANCE', undefined, 'payment', true],
    [400, 'insufficient sender reserve', 'PAYMENT_REJECTED', 'INSUFFICIENT_SENDER_RESERVE', 'sender-funds', false],
    [400, 'deposit and reserve for sender 0xabc is set to unlock soon', 'PAYMENT_REJECTED', 'SENDER_UNLOCK_SOON', 'sender-funds', false],
    [403, 'expired auth token', 'AUTH_TOKEN', 'WIRE_EXPIRED_AUTH_TOKEN', 'params-expired', false],
    [500, 'image-to-image container returned 400: image expired', 'RUNNER_REJECTED', 'RUNNER_400', 'client', true],
    [500, 'llm container returned 422: [{"loc":["body","messages"]}]', 'RUNNER_REJECTED', 'RUNNER_422', 'client', true],
    [500, 'text-to-image container returned 401: bad token', 'RUNNER_FAILED', 'RUNNER_401', 'server', true],
    [500, 'text-to-image container returned 500: CUDA out of memory', 'RUNNER_FAILED', 'RUNNER_500', 'server', true],
  ];
  for (const [status, text, code, reason, kind, credited] of cases) {
    it(`${status} "${text.trim()}" → ${code} → ${kind}${credited ? ', credited' : ''}`, () => {
      const f = classifyFailure(status, none, text);
      assert.equal(f.remoteCode, code);
      assert.equal(f.remoteReason, reason);
      assert.equal(f.kind, kind);
      assert.equal(f.credited, credited);
    });
  }

  it('a text counts only with the status go-livepeer sends it with', () => {
    assert.equal(goLivepeerRefusal(400, 'insufficient capacity'), undefined);
    assert.equal(goLivepeerRefusal(500, 'Insufficient balance'), undefined);
    // The code header wins over a text: a livepeer-ts orchestrator is never read by its text.
    assert.equal(classifyFailure(503, sent('RUNNER_UNAVAILABLE'), 'insufficient capacity').kind, 'server');
  });

  it('GetOrchestrator: "OrchestratorCapped" stands for ORCHESTRATOR_CAPPED', () => {
    assert.deepEqual(goLivepeerRpcRefusal('[unknown] OrchestratorCapped'), { code: 'ORCHESTRATOR_CAPPED' });
    assert.deepEqual(goLivepeerRpcRefusal('[unknown] insufficient sender reserve'), { code: 'TICKET_PARAMS_UNAVAILABLE', reason: 'INSUFFICIENT_SENDER_RESERVE' });
    assert.equal(goLivepeerRpcRefusal('[unavailable] connection refused'), undefined);
  });
});

describe('what run.ts does with each code', () => {
  const act = (status: number, remote: RemoteRefusal, text = '') => attemptAction(classifyFailure(status, remote, text).kind);
  it("retry elsewhere and suspend (the orchestrator's own fault): broken runner, its 5xx, unreachable", () => {
    assert.deepEqual(act(500, sent('RUNNER_FAILED')), { retry: 'another', suspend: true, busy: false });
    assert.deepEqual(act(503, sent('RUNNER_UNAVAILABLE')), { retry: 'another', suspend: true, busy: false });
    assert.deepEqual(act(500, sent('INTERNAL')), { retry: 'another', suspend: true, busy: false });
    assert.deepEqual(act(502, none), { retry: 'another', suspend: true, busy: false });
    assert.deepEqual(attemptAction('unreachable'), { retry: 'another', suspend: true, busy: false });
  });
  it('a job too costly for one payment at this price: another may take it, no backoff', () => {
    assert.equal(classifyPaymentError('PM_TOTAL_EV_TOO_HIGH').kind, 'too-costly');
    assert.equal(classifyPaymentError('GW_PAYMENT_TOO_LARGE').kind, 'too-costly');
    assert.deepEqual(attemptAction('too-costly'), { retry: 'another', suspend: false, busy: false });
  });
  it("the gateway's own funding shortfall: another orchestrator may take it, never suspended, the reason kept", () => {
    assert.deepEqual(act(402, sent('INSUFFICIENT_SENDER_FUNDS', 'RESERVE_EXHAUSTED')), { retry: 'another', suspend: false, busy: false });
    assert.equal(classifyFailure(402, sent('INSUFFICIENT_SENDER_FUNDS', 'DEPOSIT_TOO_LOW'), '').remoteReason, 'DEPOSIT_TOO_LOW');
    // pm reasons that are ours to fix, sent by an orchestrator or raised by our own Sender.
    assert.equal(decide(400, sent('PAYMENT_REJECTED', 'SENDER_UNLOCK_SOON')).kind, 'sender-funds');
    assert.equal(decide(400, none, 'insufficient sender reserve').kind, 'sender-funds');
    assert.equal(decide(400, sent('TICKET_PARAMS_UNAVAILABLE', 'INSUFFICIENT_SENDER_RESERVE')).kind, 'sender-funds');
    assert.equal(decide(400, sent('TICKET_PARAMS_UNAVAILABLE', 'INVALID_RECIPIENT')).kind, 'payment');
    for (const pm of ['NO_SENDER_DEPOSIT', 'NO_SENDER_RESERVE', 'FACE_VALUE_TOO_HIGH', 'SENDER_UNLOCK_SOON']) {
      const f = classifyPaymentError(`PM_${pm}`);
      assert.equal(f.kind, 'sender-funds', pm);
      assert.equal(f.remoteReason, pm);
    }
    assert.equal(senderFundsReason('INSUFFICIENT_SENDER_FUNDS', 'RESERVE_EXHAUSTED'), 'RESERVE_EXHAUSTED');
    assert.equal(senderFundsReason('PAYMENT_REJECTED', 'INVALID_SIGNATURE'), undefined);
    assert.equal(senderFundsReason('ORCHESTRATOR_CAPPED', undefined), undefined);
  });
  it('retry elsewhere without suspending: a refused payment', () => {
    assert.deepEqual(act(400, sent('PAYMENT_REJECTED', 'INVALID_SIGNATURE')), { retry: 'another', suspend: false, busy: false });
    assert.deepEqual(act(402, sent('PAYMENT_INVALID')), { retry: 'another', suspend: false, busy: false });
    assert.deepEqual(act(403, none), { retry: 'another', suspend: false, busy: false });
  });
  it('retry elsewhere without suspending: busy', () => {
    assert.deepEqual(act(503, sent('INSUFFICIENT_CAPACITY')), { retry: 'another', suspend: false, busy: true });
    assert.deepEqual(act(503, none, 'insufficient capacity'), { retry: 'another', suspend: false, busy: true });
  });
  it('refresh params: expired params, used nonces, expired auth token', () => {
    assert.deepEqual(act(400, sent('PAYMENT_REJECTED', 'TICKET_PARAMS_EXPIRED')), { retry: 'refresh', suspend: false, busy: false });
    assert.deepEqual(act(400, none, 'TicketParams expired'), { retry: 'refresh', suspend: false, busy: false });
    assert.deepEqual(act(403, sent('AUTH_TOKEN', 'WIRE_EXPIRED_AUTH_TOKEN')), { retry: 'refresh', suspend: false, busy: false });
  });
  it('answer the client, no retry, no suspension: the runner said 4xx ("image expired"), or the request is bad', () => {
    assert.deepEqual(act(400, sent('RUNNER_REJECTED'), 'image expired'), { retry: 'answer-client', suspend: false, busy: false });
    assert.deepEqual(act(500, none, 'image-to-image container returned 400: image expired'), { retry: 'answer-client', suspend: false, busy: false });
    assert.deepEqual(act(400, sent('BAD_REQUEST')), { retry: 'answer-client', suspend: false, busy: false });
  });
});
