// One node of a benchmark in its own process (child_process.fork with IPC): a gateway, an
// orchestrator or a CPU reference runner, started with the options the parent sends, so the
// parent can read each node's own CPU time (process.cpuUsage) and its counters. A node shares
// nothing with the client driving it but loopback sockets, as deployed.
//
// Parent → child: {id, op: 'start', role, options} | {id, op: 'cpu'} | {id, op: 'stats', manifest?} |
// {id, op: 'close'}. Child → parent: {id, ok: true, result} | {id, ok: false, error}.
// Bigints and Rats travel as decimal strings.
//
// With LIVEPEER_TS_DIST=1 the node is the compiled dist/ (what an installed livepeer-ts runs, as
// bin/livepeer-ts.mjs does with the same variable); otherwise the sources through tsx, whose
// transform wraps every closure in a name-keeping helper (an Object.defineProperty per closure
// created, per job on the hot path) that the compiled code does not have.
import type { ReferenceRunner } from '../../src/ai/index.js';
import type { GatewayHandle } from '../../src/nodes/gateway/index.js';
import type { Orchestrator } from '../../src/nodes/orchestrator/index.js';
import type { Address } from 'viem';
import { startBareGateway, startBareOrchestrator, type BareHop } from './bare-hops.js';

const ROOT = process.env.LIVEPEER_TS_DIST === '1' ? '../../dist' : '../../src';
const { startReferenceRunner } = (await import(`${ROOT}/ai/index.js`)) as typeof import('../../src/ai/index.js');
const { startGateway } = (await import(`${ROOT}/nodes/gateway/index.js`)) as typeof import('../../src/nodes/gateway/index.js');
const { startOrchestrator } = (await import(`${ROOT}/nodes/orchestrator/index.js`)) as typeof import('../../src/nodes/orchestrator/index.js');

/** bare-*: bench:paid's floor (bare-hops.ts), the transport of a gateway and an orchestrator without their work. */
export type NodeRole = 'gateway' | 'orchestrator' | 'runner' | 'bare-gateway' | 'bare-orchestrator';

export interface NodeRequest {
  id: number;
  op: 'start' | 'cpu' | 'stats' | 'close';
  role?: NodeRole;
  options?: Record<string, unknown>;
  /** stats of an orchestrator: the (sender, manifest) balance to report. */
  balanceOf?: { sender: string; manifest: string };
}

export interface NodeStats {
  /** Gateway: tickets sent, their EV and the fees of its successful jobs (wei, Rat strings). */
  ticketsSent?: number;
  ticketEv?: string;
  fees?: string;
  jobsOk?: number;
  jobsFailed?: number;
  /** Orchestrator: fees debited, tickets received/valid, and the balance asked for. */
  feesDebited?: string;
  ticketsReceived?: number;
  ticketsValid?: number;
  balance?: string | null;
}

let gateway: GatewayHandle | undefined;
let orchestrator: Orchestrator | undefined;
let runner: ReferenceRunner | undefined;
let bare: BareHop | undefined;

async function start(role: NodeRole, o: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (role === 'bare-gateway') {
    bare = await startBareGateway(o as { orchestratorUrl: string });
    return { url: bare.url };
  }
  if (role === 'bare-orchestrator') {
    bare = await startBareOrchestrator(o as { cert: string; key: string });
    return { url: bare.url };
  }
  if (role === 'runner') {
    runner = await startReferenceRunner(o as unknown as Parameters<typeof startReferenceRunner>[0]);
    return { url: runner.url, modelId: runner.modelId };
  }
  if (role === 'orchestrator') {
    orchestrator = await startOrchestrator({ ...(o as unknown as Parameters<typeof startOrchestrator>[0]), ticketEV: BigInt(o.ticketEV as string) });
    return { url: orchestrator.url, address: orchestrator.address };
  }
  gateway = await startGateway(o as unknown as Parameters<typeof startGateway>[0]);
  return { url: gateway.url, address: gateway.address };
}

function stats(req: NodeRequest): NodeStats {
  if (gateway) {
    const s = gateway.stats();
    return { ticketsSent: s.tickets.sent, ticketEv: s.tickets.ev.toString(), fees: s.fees.toString(), jobsOk: s.jobs.ok, jobsFailed: s.jobs.failed };
  }
  if (orchestrator) {
    const s = orchestrator.stats();
    const b = req.balanceOf ? orchestrator.balance(req.balanceOf.sender as Address, req.balanceOf.manifest) : undefined;
    return { feesDebited: s.feesDebited.toString(), ticketsReceived: s.tickets.received, ticketsValid: s.tickets.valid, balance: b === undefined ? null : b.toString() };
  }
  return {};
}

async function close(): Promise<void> {
  await gateway?.close();
  await orchestrator?.close();
  await runner?.close();
  await bare?.close();
}

async function handle(req: NodeRequest): Promise<unknown> {
  switch (req.op) {
    case 'start':
      return start(req.role!, req.options ?? {});
    case 'cpu':
      return process.cpuUsage();
    case 'stats':
      return stats(req);
    case 'close':
      await close();
      return null;
  }
}

process.on('message', (msg: NodeRequest) => {
  handle(msg).then(
    (result) => {
      process.send!({ id: msg.id, ok: true, result }, () => {
        // A normal exit, so --cpu-prof (when the parent asked for it) writes its profile.
        if (msg.op === 'close') process.exit(0);
      });
    },
    (err: unknown) => process.send!({ id: msg.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
});
// The parent went away (crashed or was killed): do not outlive it.
process.on('disconnect', () => {
  void close().finally(() => process.exit(0));
});
