// Two signer replicas sharing one REAL PostgreSQL replay store (issue 12 acceptance): one embedded
// PostgreSQL server started here, two real signer services (src/signer) for one signer key, each
// behind its own signer HTTP node on 127.0.0.1 port 0 and each with its own connection pool to the
// same database. Over HTTP: a session started on replica A carries on on replica B; a state replayed
// on the other replica is refused with 409 SIGNER_STATE_REPLAYED and the latest state in the body;
// two concurrent calls with one state, one to each replica, have exactly one winner (the other 409)
// and no nonce is ever signed twice. The orchestrator side is a real pm Recipient (src/signer's
// testkit: an in-memory chain view, as the signer's unit tests use) and accepts every ticket the
// winners signed; the EV it credits is the EV the replicas say they signed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSignerNode, type SignerNodeHandle } from '../src/nodes/signer/index.js';
import { Rat } from '../src/money/index.js';
import { Rig, SIGNER_ADDR, decodeStateWire } from '../src/signer/testkit.js';
import type { GenerateLivePaymentResponseWire, SignerErrorBodyWire } from '../src/signer/index.js';
import { openStore, type SignerStateRecord, type SignerStateStore, type Store } from '../src/store/index.js';
import { startTestPostgres, type TestPostgres } from '../src/store/testkit.js';
import { decodePaymentHeader, paymentFromWire } from '../src/wire/index.js';

/** 1280·720·30 px per second (go-livepeer's lv2v rate), written out; the orchestrator asks 1 wei/px. */
const PX_PER_SECOND = 27_648_000n;
const EV = 100_000_000n;

type Signed = { state: GenerateLivePaymentResponseWire['state'] };

/**
 * The real PostgreSQL store with a barrier on `get`: when armed, each replica's read of the high-water
 * mark waits (bounded) until both replicas have read it, so both go on to the compare-and-set with the
 * same expected sequence number and PostgreSQL alone decides the winner.
 */
class Barrier {
  private waiting: (() => void)[] = [];
  armed = false;
  wrap(inner: SignerStateStore): SignerStateStore {
    return {
      get: async (id) => {
        const rec = await inner.get(id);
        if (this.armed) await this.arrive();
        return rec;
      },
      create: (r: SignerStateRecord) => inner.create(r),
      advance: (id, expected, next) => inner.advance(id, expected, next),
      prune: (before) => inner.prune(before),
    };
  }
  private arrive(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
      if (this.waiting.length === 2) {
        const all = this.waiting;
        this.waiting = [];
        for (const w of all) w();
      }
    });
  }
}

let pg: TestPostgres | undefined;
const stores: Store[] = [];
const nodes: SignerNodeHandle[] = [];
let A: SignerNodeHandle;
let B: SignerNodeHandle;
const rig = new Rig(EV);
const barrier = new Barrier();
let orch: string;

before(async () => {
  pg = await startTestPostgres({ fsync: false });
  const url = await pg.createDatabase();
  // Two stores = two pools = two separate sets of connections to the one database.
  for (let i = 0; i < 2; i++) stores.push(await openStore({ backend: 'postgres', connectionString: url }));
  for (const s of stores) {
    nodes.push(
      await startSignerNode({
        httpAddr: '127.0.0.1:0',
        logLevel: 'silent',
        service: (seams) => rig.signer({ store: barrier.wrap(s.signerStates!), events: seams.events }),
      }),
    );
  }
  [A, B] = nodes as [SignerNodeHandle, SignerNodeHandle];
  orch = await rig.orch();
});

after(async () => {
  for (const n of nodes) await n.close();
  for (const s of stores) await s.close();
  await pg?.stop();
});

async function call(node: SignerNodeHandle, state?: Signed['state']): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${node.url}/generate-live-payment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(state ? { orchestrator: orch, type: 'lv2v', ManifestID: 'mf-1', state } : { orchestrator: orch, type: 'lv2v' }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}

const okBody = (r: { status: number; body: unknown }): GenerateLivePaymentResponseWire => {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as GenerateLivePaymentResponseWire;
};

/** Every (params, nonce) the winners signed, and what the orchestrator credited in all. */
const signedNonces = new Set<string>();
let creditedTotal = Rat.ZERO;
let ticketsTotal = 0;

/** Hands a winner's payment to the orchestrator's Recipient: every ticket accepted, credited = n × the params' EV. */
async function deliver(r: GenerateLivePaymentResponseWire): Promise<{ nonces: bigint[]; ev: Rat }> {
  const p = paymentFromWire(decodePaymentHeader(r.payment));
  assert.equal(p.sender!.toLowerCase(), SIGNER_ADDR.toLowerCase());
  for (const sp of p.senderParams) {
    const k = `${p.ticketParams!.recipientRandHash}:${sp.senderNonce}`;
    assert.ok(!signedNonces.has(k), `nonce ${sp.senderNonce} signed twice`);
    signedNonces.add(k);
  }
  const c = await rig.credit(r.payment);
  assert.deepEqual(c.errors, [], 'the orchestrator accepts every ticket');
  assert.ok(c.credited.eq(c.ev.mul(BigInt(c.nonces.length))), `credited ${c.credited} for ${c.nonces.length} tickets of EV ${c.ev}`);
  creditedTotal = creditedTotal.add(c.credited);
  ticketsTotal += c.nonces.length;
  return { nonces: c.nonces, ev: c.ev };
}

/** The state after `seconds` billed on top of `prev`: the minimal ticket count, the balance carried. */
function assertBilled(prev: GenerateLivePaymentResponseWire | undefined, next: GenerateLivePaymentResponseWire, { nonces, ev }: { nonces: bigint[]; ev: Rat }, seconds: bigint): void {
  const fee = PX_PER_SECOND * seconds;
  const p = prev ? decodeStateWire(prev.state) : undefined;
  const s = decodeStateWire(next.state);
  const before = p ? Rat.parse(p.Balance as string) : Rat.ZERO;
  const n = BigInt(nonces.length);
  // go-livepeer: ceil((max(fee, EV) − balance) / EV) tickets; the new balance = balance + n·EV − fee.
  assert.ok(before.add(ev.mul(n - 1n)).lt(Rat.from(fee)) && before.add(ev.mul(n)).gte(Rat.from(fee)), `${n} tickets for a fee of ${fee} on a balance of ${before}`);
  assert.equal(s.Balance, before.add(ev.mul(n)).sub(fee).toString());
  const firstNonce = p ? BigInt(p.SenderNonce as number) + 1n : 1n;
  assert.deepEqual(nonces, Array.from({ length: nonces.length }, (_, i) => firstNonce + BigInt(i)), 'nonces carry on from the state');
  assert.equal(BigInt(s.SenderNonce as number), firstNonce + n - 1n);
  if (p) {
    assert.equal(s.StateID, p.StateID);
    assert.equal(s.SequenceNumber, (p.SequenceNumber as number) + 1);
  }
}

describe('two signer replicas sharing one PostgreSQL replay store', () => {
  let latest: GenerateLivePaymentResponseWire;
  let first: GenerateLivePaymentResponseWire;
  let second: GenerateLivePaymentResponseWire;

  it('both replicas are one signer: the same address, their own ports', async () => {
    assert.equal(A.address, B.address);
    assert.equal(A.address.toLowerCase(), SIGNER_ADDR.toLowerCase());
    assert.notEqual(A.port, B.port);
    const info = await Promise.all([A, B].map(async (n) => (await fetch(`${n.url}/sign-orchestrator-info`, { method: 'POST', body: '{}' })).json()));
    assert.deepEqual(info[0], info[1]);
  });

  it('a session started on A carries on on B and back on A (the state and the store carry it)', async () => {
    first = okBody(await call(A));
    assertBilled(undefined, first, await deliver(first), 60n); // null state: go-livepeer's 60 s preload
    assert.equal(decodeStateWire(first.state).SequenceNumber, 0);
    rig.advance(20);
    second = okBody(await call(B, first.state));
    assertBilled(first, second, await deliver(second), 20n);
    rig.advance(20);
    latest = okBody(await call(A, second.state));
    assertBilled(second, latest, await deliver(latest), 20n);
    assert.equal(decodeStateWire(latest.state).SequenceNumber, 2);
  });

  it('a state replayed on the other replica is refused: 409 SIGNER_STATE_REPLAYED with the latest state', async () => {
    rig.advance(20);
    // `first` was issued by A, `second` by B: each replayed on the replica that did not issue it.
    for (const [node, old] of [[B, first], [A, second]] as const) {
      const r = await call(node, old.state);
      assert.equal(r.status, 409, JSON.stringify(r.body));
      const b = r.body as SignerErrorBodyWire;
      assert.equal(b.error.code, 'SIGNER_STATE_REPLAYED');
      assert.equal(b.error.latestSequenceNumber, '2');
      assert.deepEqual(b.state, latest.state, 'the body carries the latest state, byte for byte as issued');
      assert.equal((b as unknown as Record<string, unknown>).payment, undefined, 'nothing signed for a replay');
    }
    // The refusals wrote nothing: the latest state still continues (on B), billing the whole 20 s.
    const next = okBody(await call(B, latest.state));
    assertBilled(latest, next, await deliver(next), 20n);
    latest = next;
  });

  it('concurrent calls with one state, one to each replica: exactly one winner, the other 409, no nonce signed twice', async () => {
    for (let round = 0; round < 6; round++) {
      rig.advance(20);
      // Rounds 0–3 line both reads of the high-water mark up (the compare-and-set in PostgreSQL
      // decides); rounds 4–5 race freely.
      barrier.armed = round < 4;
      const [ra, rb] = await Promise.all([call(A, latest.state), call(B, latest.state)]);
      barrier.armed = false;
      assert.deepEqual([ra.status, rb.status].sort(), [200, 409], `round ${round}: ${JSON.stringify([ra.body, rb.body])}`);
      const [win, lose] = ra.status === 200 ? [ra, rb] : [rb, ra];
      const w = okBody(win);
      const l = lose.body as SignerErrorBodyWire;
      if (round < 4) assert.equal(l.error.code, 'SIGNER_STATE_CONFLICT', 'both read the same mark: the store refused the second compare-and-set');
      else assert.ok(['SIGNER_STATE_CONFLICT', 'SIGNER_STATE_REPLAYED'].includes(l.error.code ?? ''), l.error.code);
      assert.equal(l.error.latestSequenceNumber, String(decodeStateWire(w.state).SequenceNumber));
      assert.deepEqual(l.state, w.state, 'the loser is told the winner\'s state');
      assertBilled(latest, w, await deliver(w), 20n);
      latest = w;
    }
    assert.equal(decodeStateWire(latest.state).SequenceNumber, 9);
  });

  it('the EV the orchestrator credited is exactly the EV the two replicas signed', () => {
    const [a, b] = [A.metrics.snapshot(), B.metrics.snapshot()];
    assert.equal(a.ticketsSigned + b.ticketsSigned, ticketsTotal);
    assert.equal(signedNonces.size, ticketsTotal);
    assert.ok(a.evSigned.add(b.evSigned).eq(creditedTotal), `signed ${a.evSigned.add(b.evSigned)}, credited ${creditedTotal}`);
    assert.equal((a.callsByStatus['409'] ?? 0) + (b.callsByStatus['409'] ?? 0), 2 + 6);
    assert.equal((a.callsByStatus['200'] ?? 0) + (b.callsByStatus['200'] ?? 0), 4 + 6);
  });
});
