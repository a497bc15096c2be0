// The paid path's transport with none of its work: bench:paid's floor. A bare gateway (HTTP/1
// server → one HTTP/2 + TLS connection) and a bare orchestrator (HTTP/2 + TLS server → a
// keep-alive HTTP/1 agent to the runner), the same sockets and protocols the real nodes use, with
// no payment, selection, validation, limits, deadlines or logging. What the real pair spends per
// job above these two is the cost of its work; what these two spend is what node's HTTP stacks
// cost on this machine, which no implementation on node can go below.
//
// Routing without state: the client posts to the bare gateway at /<runner port>/<pipeline>; the
// path goes through unchanged and the bare orchestrator posts /<pipeline> to 127.0.0.1:<port>.
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface BareHop {
  url: string;
  close(): Promise<void>;
}

function listen(server: http.Server | http2.Http2SecureServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startBareGateway(o: { orchestratorUrl: string }): Promise<BareHop> {
  let session: http2.ClientHttp2Session | undefined;
  const connection = (): http2.ClientHttp2Session => {
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(o.orchestratorUrl, { rejectUnauthorized: false });
      session.on('error', () => (session = undefined));
    }
    return session;
  };
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      const body = Buffer.concat(chunks);
      const up = connection().request({ ':method': 'POST', ':path': req.url ?? '/', 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': String(body.length) });
      const answer: Buffer[] = [];
      let status = 502;
      let type = 'application/json';
      up.once('response', (h) => {
        status = Number(h[':status'] ?? 502);
        type = String(h['content-type'] ?? type);
      });
      up.on('data', (c: Buffer) => answer.push(c));
      up.once('end', () => res.writeHead(status, { 'content-type': type }).end(Buffer.concat(answer)));
      up.once('error', (err) => res.writeHead(502).end(String(err)));
      up.end(body);
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      session?.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function startBareOrchestrator(o: { cert: string; key: string }): Promise<BareHop> {
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const server = http2.createSecureServer({ cert: o.cert, key: o.key });
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path'] ?? '/');
    const slash = path.indexOf('/', 1);
    const port = Number(path.slice(1, slash));
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => {
      const body = Buffer.concat(chunks);
      const req = http.request({ host: '127.0.0.1', port, path: path.slice(slash), method: 'POST', agent, headers: { 'content-type': String(headers['content-type'] ?? 'application/json'), 'content-length': String(body.length) } }, (res) => {
        const answer: Buffer[] = [];
        res.on('data', (c: Buffer) => answer.push(c));
        res.once('end', () => {
          if (stream.destroyed) return;
          stream.respond({ ':status': res.statusCode ?? 502, 'content-type': String(res.headers['content-type'] ?? 'application/json') });
          stream.end(Buffer.concat(answer));
        });
      });
      req.once('error', (err) => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 502 });
        stream.end(String(err));
      });
      req.end(body);
    });
    stream.on('error', () => {});
  });
  const port = await listen(server);
  return {
    url: `https://127.0.0.1:${port}`,
    close: async () => {
      agent.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
