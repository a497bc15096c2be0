// The redeemer's gRPC service on a real HTTP/2 + TLS loopback server, called by the real client and
// by the orchestrator's RemoteRedeemer: QueueTicket's checks and status codes, MaxFloat, the
// MonitorMaxFloat streams (first value, changes only, bounded with oldest-out eviction, ended on
// shutdown), and the client's typed errors when the redeemer is gone. The sink and the max float
// source are the in-memory seams from src/pm (the chain-backed ones run in test/redeemer.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Address, Hex } from 'viem';
import { MAX_WIN_PROB, MemorySenderInfo, localTicketSigner, recipientRandHash, ticketHashBytes, type Ticket, type WinningTicket, type WinningTicketSink } from '../../pm/index.js';
import {
  RedeemerTicketSchema,
  createRedeemerClient,
  maxFloatReqToWire,
  maxFloatUpdateFromWire,
  refusalFromConnectError,
  winningTicketToWire,
  type RedeemerClient,
} from '../../wire/index.js';
import { create } from '@bufbuild/protobuf';
import { RedeemerError, RemoteRedeemer, createRedeemerService, startRedeemerServer, type RedeemerServer, type RedeemerService } from './index.js';

const G_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const OTHER_KEY: Hex = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';
const O: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const A: Address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const B: Address = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65';
const C: Address = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc';
const gw = localTicketSigner(G_KEY);

class ListSink implements WinningTicketSink {
  readonly tickets: WinningTicket[] = [];
  fail: Error | undefined;
  async onWinningTicket(t: WinningTicket): Promise<void> {
    if (this.fail) throw this.fail;
    this.tickets.push(t);
  }
}

async function winner(nonce: bigint, over: Partial<Ticket> = {}, key: Hex = G_KEY): Promise<WinningTicket> {
  const rand = 0xabc000n + nonce;
  const ticket: Ticket = {
    recipient: O,
    sender: gw.address,
    faceValue: 10n ** 15n,
    winProb: MAX_WIN_PROB,
    senderNonce: nonce,
    recipientRandHash: recipientRandHash(rand),
    creationRound: 5n,
    creationRoundBlockHash: `0x${'44'.repeat(32)}`,
    paramsExpirationBlock: 100n,
    price: { pricePerUnit: 0n, pixelsPerUnit: 1n },
    ...over,
  };
  return { ticket, sig: await localTicketSigner(key).sign(ticketHashBytes(ticket)), recipientRand: rand, sessionId: ticket.recipientRandHash };
}

function refusal(code: Code, detail: string, reason?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ConnectError, String(e));
    assert.equal(e.code, code, e.message);
    const r = refusalFromConnectError(e);
    assert.equal(r.code, detail);
    if (reason !== undefined) assert.equal(r.reason, reason);
    return true;
  };
}

/** Waits (bounded) for `cond`; the work it waits for is another connection's or the server's. */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let dir: string;
let sink: ListSink;
let floats: MemorySenderInfo;
let service: RedeemerService;
let server: RedeemerServer;
let client: RedeemerClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redeemer-svc-'));
  sink = new ListSink();
  floats = new MemorySenderInfo().setMaxFloat(A, 5n).setMaxFloat(B, 6n).setMaxFloat(C, 7n);
  service = createRedeemerService({ recipient: O, sink, maxFloat: floats, limits: { maxSubscribers: 3, maxPerSender: 2 } });
  server = await startRedeemerServer({ httpAddr: '127.0.0.1:0', dataDir: dir, service });
  client = createRedeemerClient(server.addr);
});

after(async () => {
  client?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function follow(sender: Address) {
  const ac = new AbortController();
  const it = client.monitorMaxFloat(maxFloatReqToWire(sender), { signal: ac.signal, timeoutMs: 0 })[Symbol.asyncIterator]();
  return {
    next: async () => {
      const r = await it.next();
      return r.done ? undefined : maxFloatUpdateFromWire(r.value);
    },
    stop: () => ac.abort(),
  };
}

describe('QueueTicket', () => {
  it('queues a signed winning ticket for this recipient, exactly as sent', async () => {
    const w = await winner(1n);
    await client.queueTicket(winningTicketToWire(w));
    assert.equal(sink.tickets.length, 1);
    assert.deepEqual(sink.tickets[0], w);
    assert.match(server.addr, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(server.addr, '127.0.0.1:0');
  });

  it('refuses a ticket for another recipient with PERMISSION_DENIED and go-livepeer\'s text', async () => {
    const w = await winner(2n, { recipient: A });
    await assert.rejects(client.queueTicket(winningTicketToWire(w)), (e: unknown) => {
      refusal(Code.PermissionDenied, 'REDEEMER_WRONG_RECIPIENT')(e);
      assert.equal((e as ConnectError).rawMessage, `invalid ticket recipient ${A.toLowerCase()}, expected ${O}`);
      return true;
    });
    assert.equal(sink.tickets.length, 1);
  });

  it('refuses what can never redeem (INVALID_ARGUMENT): a wrong recipientRand, another signer, a losing ticket, missing fields', async () => {
    const badRand = { ...(await winner(3n)), recipientRand: 42n };
    await assert.rejects(client.queueTicket(winningTicketToWire(badRand)), refusal(Code.InvalidArgument, 'REDEEMER_TICKET_INVALID', 'recipient-rand'));
    await assert.rejects(client.queueTicket(winningTicketToWire(await winner(4n, {}, OTHER_KEY))), refusal(Code.InvalidArgument, 'REDEEMER_TICKET_INVALID', 'wrong-signer'));
    await assert.rejects(client.queueTicket(winningTicketToWire(await winner(5n, { winProb: 0n }))), refusal(Code.InvalidArgument, 'REDEEMER_TICKET_INVALID', 'not-winning'));
    const m = winningTicketToWire(await winner(6n));
    m.senderParams = undefined;
    await assert.rejects(client.queueTicket(m), refusal(Code.InvalidArgument, 'WIRE_INVALID_FIELD'));
    await assert.rejects(client.queueTicket(create(RedeemerTicketSchema)), refusal(Code.InvalidArgument, 'WIRE_INVALID_FIELD'));
    assert.equal(sink.tickets.length, 1);
  });

  it('a sink that fails is INTERNAL (go-livepeer\'s code), with REDEEMER_QUEUE_FAILED', async () => {
    sink.fail = new Error('disk full');
    try {
      await assert.rejects(client.queueTicket(winningTicketToWire(await winner(7n))), refusal(Code.Internal, 'REDEEMER_QUEUE_FAILED'));
    } finally {
      sink.fail = undefined;
    }
  });
});

describe('MaxFloat and MonitorMaxFloat', () => {
  it('MaxFloat answers the source\'s value; a malformed sender is INVALID_ARGUMENT', async () => {
    assert.equal(maxFloatUpdateFromWire(await client.maxFloat(maxFloatReqToWire(A))), 5n);
    await assert.rejects(client.maxFloat({ $typeName: 'net.MaxFloatReq', sender: new Uint8Array(19) }), refusal(Code.InvalidArgument, 'WIRE_INVALID_FIELD'));
  });

  it('a stream sends the current value first, then only changes', async () => {
    const s = follow(A);
    assert.equal(await s.next(), 5n);
    service.notify(A); // unchanged: nothing sent
    floats.setMaxFloat(A, 8n);
    service.notify(A);
    assert.equal(await s.next(), 8n);
    floats.setMaxFloat(A, 9n);
    service.notify(); // every followed sender
    assert.equal(await s.next(), 9n);
    s.stop();
    await until(() => service.sizes().subscribers === 0, 'the server to drop the cancelled stream');
  });

  it('streams are bounded: the oldest of a sender, then the oldest overall, is ended with RESOURCE_EXHAUSTED', async () => {
    const a1 = follow(A);
    const a2 = follow(A);
    assert.equal(await a1.next(), 9n);
    assert.equal(await a2.next(), 9n);
    const a3 = follow(A);
    assert.equal(await a3.next(), 9n);
    await assert.rejects(a1.next(), refusal(Code.ResourceExhausted, 'REDEEMER_SUBSCRIBER_EVICTED'));
    const b = follow(B);
    assert.equal(await b.next(), 6n);
    assert.equal(service.sizes().subscribers, 3);
    const c = follow(C);
    assert.equal(await c.next(), 7n);
    await assert.rejects(a2.next(), refusal(Code.ResourceExhausted, 'REDEEMER_SUBSCRIBER_EVICTED'));
    assert.deepEqual(service.sizes(), { subscribers: 3, senders: 3 });
    for (const s of [a3, b, c]) s.stop();
    await until(() => service.sizes().subscribers === 0, 'the server to drop the cancelled streams');
  });
});

describe('RemoteRedeemer (the orchestrator side)', () => {
  it('queues through QueueTicket, caches max float and follows its changes, bounded in senders', async () => {
    const remote = new RemoteRedeemer({ addr: server.addr, maxSenders: 2 });
    try {
      const w = await winner(10n);
      await remote.onWinningTicket(w);
      assert.deepEqual(sink.tickets.at(-1), w);
      await assert.rejects(remote.onWinningTicket(await winner(11n, { recipient: B })), (e: unknown) => {
        assert.ok(e instanceof RedeemerError);
        assert.equal(e.code, 'REDEEMER_REFUSED');
        assert.equal(e.grpcCode, Code.PermissionDenied);
        assert.equal(e.fatal, true);
        return true;
      });
      assert.equal(await remote.maxFloat(A), 9n);
      await until(() => service.sizes().subscribers === 1, 'the client to subscribe');
      floats.setMaxFloat(A, 12n);
      service.notify(A);
      await until(async () => (await remote.maxFloat(A)) === 12n, 'the pushed max float');
      assert.equal(await remote.maxFloat(B), 6n);
      assert.equal(await remote.maxFloat(C), 7n);
      assert.equal(remote.stats().senders, 2, 'least recently asked (A) is out');
      await until(() => service.sizes().subscribers === 2, 'the evicted stream to close');
    } finally {
      remote.close();
    }
    await until(() => service.sizes().subscribers === 0, 'close() to end every stream');
  });
});

describe('a shared secret (-redeemerSecret)', () => {
  it('with one set, calls without it or with another are UNAUTHENTICATED and queue nothing; the right one is served', async () => {
    const secret = 'correct horse battery staple';
    const own = new ListSink();
    const svc = createRedeemerService({ recipient: O, sink: own, maxFloat: new MemorySenderInfo().setMaxFloat(A, 5n), secret });
    const srv = await startRedeemerServer({ httpAddr: '127.0.0.1:0', dataDir: dir, service: svc });
    const open = createRedeemerClient(srv.addr);
    try {
      const w = await winner(90n);
      await assert.rejects(open.queueTicket(winningTicketToWire(w)), refusal(Code.Unauthenticated, 'REDEEMER_UNAUTHENTICATED'));
      await assert.rejects(open.queueTicket(winningTicketToWire(w), { headers: { authorization: `Bearer ${secret}x` } }), refusal(Code.Unauthenticated, 'REDEEMER_UNAUTHENTICATED'));
      await assert.rejects(open.maxFloat(maxFloatReqToWire(A)), refusal(Code.Unauthenticated, 'REDEEMER_UNAUTHENTICATED'));
      assert.equal(own.tickets.length, 0);
      // The orchestrator's client with the wrong secret: a refusal for good (not "retry later").
      const wrong = new RemoteRedeemer({ addr: srv.addr, secret: 'not the secret at all' });
      await assert.rejects(wrong.onWinningTicket(w), (e: unknown) => e instanceof RedeemerError && e.code === 'REDEEMER_REFUSED');
      await wrong.close();
      const right = new RemoteRedeemer({ addr: srv.addr, secret });
      await right.onWinningTicket(w);
      assert.equal(await right.maxFloat(A), 5n);
      await right.close();
      assert.deepEqual(own.tickets, [w]);
    } finally {
      open.close();
      await srv.close();
    }
  });
});

describe('shutdown', () => {
  it('ends open streams cleanly; afterwards the client\'s calls fail with REDEEMER_UNAVAILABLE (retriable)', async () => {
    const remote = new RemoteRedeemer({ addr: server.addr, connectTimeoutMs: 500 });
    const w = await winner(99n);
    try {
      assert.equal(await remote.maxFloat(B), 6n);
      const s = follow(C);
      assert.equal(await s.next(), 7n);
      await server.close();
      assert.equal(await s.next(), undefined, 'the stream ends with OK');
      await until(() => remote.stats().senders === 0, 'the client to drop the sender whose stream ended');
      for (const call of [async () => remote.onWinningTicket(w), async () => remote.maxFloat(B)]) {
        await assert.rejects(call(), (e: unknown) => e instanceof RedeemerError && e.code === 'REDEEMER_UNAVAILABLE' && e.fatal === false);
      }
    } finally {
      remote.close();
    }
  });
});
