// RunnerClient's JSON jobs over node:http (runnerHttp.ts): one kept-alive connection for many
// jobs, fetch's error behaviour kept (unreachable, abort), a connection the runner dropped while
// idle retried once, and close() letting the connections go. Real HTTP servers on loopback.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { RunnerClient, RunnerUnreachableError } from './index.js';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

interface Served {
  url: string;
  connections: Socket[];
  requests: number;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, served: Served) => void): Promise<Served> {
  const served: Served = { url: '', connections: [], requests: 0 };
  const s = createServer((req, res) => {
    served.requests++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      (req as IncomingMessage & { body?: string }).body = body;
      handler(req, res, served);
    });
  });
  s.on('connection', (c) => served.connections.push(c));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  served.url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return served;
}

const llmAnswer = (content: string) => ({
  id: 'x',
  model: 'm',
  created: 1,
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
});

function answer(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

describe('RunnerClient JSON jobs over node:http', () => {
  it('runs many jobs on one kept-alive connection, sending the body and token as fetch did', async () => {
    const seen: { auth: string | undefined; type: string | undefined; body: string }[] = [];
    const s = await serve((req, res) => {
      seen.push({ auth: req.headers.authorization, type: req.headers['content-type'], body: (req as IncomingMessage & { body: string }).body });
      answer(res, llmAnswer(`#${seen.length}`));
    });
    const c = new RunnerClient({ url: s.url, token: 't0k' });
    for (let i = 1; i <= 5; i++) {
      const r = await c.run('llm', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
      assert.equal(r.choices[0]!.message!.content, `#${i}`);
    }
    assert.equal(s.requests, 5);
    assert.equal(s.connections.length, 1, 'one connection for five sequential jobs');
    assert.deepEqual(seen[0], { auth: 'Bearer t0k', type: 'application/json', body: '{"messages":[{"role":"user","content":"hi"}],"max_tokens":1}' });
    c.close();
  });

  it('a runner that is not listening → RunnerUnreachableError naming the socket error', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const err = await new RunnerClient({ url: `http://127.0.0.1:${port}` }).run('llm', { messages: [] }).catch((e: unknown) => e);
    assert.ok(err instanceof RunnerUnreachableError, String(err));
    assert.match(err.message, /ECONNREFUSED/);
  });

  it('an aborted job rejects with the abort (an AbortError), not as a runner failure', async () => {
    const s = await serve(() => undefined); // never answers
    const c = new RunnerClient({ url: s.url });
    const ac = new AbortController();
    const p = c.run('llm', { messages: [] }, { signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 20);
    const err = (await p) as Error;
    assert.equal(err.name, 'AbortError');
    assert.ok(!(err instanceof RunnerUnreachableError));
    c.close();
  });

  it('a kept-alive connection the runner dropped while idle is retried once on a new one; a second drop is an error', async () => {
    // The runner drops the connection of every second request it receives on one connection,
    // as a server that closed an idle keep-alive connection does to the next request on it.
    const perConn = new WeakMap<Socket, number>();
    let dropAll = false;
    const s = await serve((req, res) => {
      const n = (perConn.get(req.socket) ?? 0) + 1;
      perConn.set(req.socket, n);
      if (dropAll || n > 1) {
        req.socket.destroy();
        return;
      }
      answer(res, llmAnswer('ok'));
    });
    const c = new RunnerClient({ url: s.url });
    assert.equal((await c.run('llm', { messages: [] })).choices[0]!.message!.content, 'ok');
    assert.equal((await c.run('llm', { messages: [] })).choices[0]!.message!.content, 'ok');
    assert.equal(s.connections.length, 2, 'the second job went out again on a fresh connection');
    dropAll = true;
    const err = await c.run('llm', { messages: [] }).catch((e: unknown) => e);
    assert.ok(err instanceof RunnerUnreachableError, String(err));
    c.close();
  });

  it('close() ends the kept-alive connections, and a later job connects again', async () => {
    const s = await serve((_req, res) => answer(res, llmAnswer('ok')));
    const c = new RunnerClient({ url: s.url });
    await c.run('llm', { messages: [] });
    const first = s.connections[0]!;
    const closed = new Promise<void>((r) => first.once('close', () => r()));
    c.close();
    await closed;
    await c.run('llm', { messages: [] });
    assert.equal(s.connections.length, 2);
    c.close();
  });
});
