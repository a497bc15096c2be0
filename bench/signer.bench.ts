// `npm run bench:signer`: the remote signer's POST /generate-live-payment at 100 concurrent sessions
// on loopback (issue 12). The signer is the real one: src/signer's createRemoteSigner behind the
// real signer node (src/nodes/signer, node:http on 127.0.0.1 port 0), replay-proof with the
// CLI's default store (SQLite in a -dataDir, here a temporary folder), its /metrics fed as in
// production. Its chain is an in-memory view (a round, a block, the signer's deposit and reserve):
// the signer reads nothing from a chain per call. The orchestrator is a real pm Recipient whose
// ticket params and auth token fill the OrchestratorInfo every session sends.
//
// The load client runs in a child process (bench/lib/signer-load.ts): on 2 cores the signer keeps
// one to itself and the client's CPU is not charged to the signer. Each of the 100 sessions holds a
// keep-alive connection and one call in flight, type lv2v, carrying the state each answer returns.
// Elapsed time: the signer's clock (createRemoteSigner's `now`) advances 1/sessions s per call, so
// each session is billed about one second of 720p video per call, as a live gateway paying once a
// second would be, whatever the machine's speed. A ticket's EV is 0.75 s of fees, so a call signs one
// or two tickets (a session's first call signs go-livepeer's 60 s preload: 80) and a 482 is rare
// (one second's fee is more than the balance a call leaves).
//
// In the same run, in the signer's process, single thread: raw native ECDSA signs per second
// (libsecp256k1's ecdsaSign over 32-byte digests, the primitive every ticket, segment credential and
// state signature is), in rounds before and after the load; the median is reported and the ratio
// callsPerSec / signsPerSec.
//
// Env: SIGNER_BENCH_SECONDS (measured seconds, default 10), SIGNER_BENCH_WARMUP (seconds, default 1),
// SIGNER_BENCH_SESSIONS (default 100), SIGNER_BENCH_PROF=<dir> (the signer's process writes a V8 CPU
// profile there: read it with bench/lib/profile-top.ts; the client's too, as a second file).
// The last stdout line is one JSON object.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import type { Address } from 'viem';
import { startSignerNode } from '../src/nodes/signer/index.js';
import { MemoryChainView, MemorySenderInfo, Recipient, addressOfPrivateKey, cryptoBackend, hexToBytes, type Hex32 } from '../src/pm/index.js';
import { LV2V_PIXELS_PER_SECOND, createRemoteSigner } from '../src/signer/index.js';
import { openStore } from '../src/store/index.js';
import { OrchestratorInfoSchema, createAuthToken, encodeBase64, priceInfoToWire, ticketParamsToWire } from '../src/wire/index.js';
import type { LoadRequest, LoadResult } from './lib/signer-load.js';
import { median, round } from './lib/stats.js';

const log = (s: string) => console.log(`[bench:signer] ${s}`);

function envNumber(name: string, dflt: number, min: number, max: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number in [${min}, ${max}]`);
  return n;
}

const SECONDS = envNumber('SIGNER_BENCH_SECONDS', 10, 0.5, 120);
const WARMUP = envNumber('SIGNER_BENCH_WARMUP', 1, 0, 30);
const SESSIONS = Math.floor(envNumber('SIGNER_BENCH_SESSIONS', 100, 1, 1000));
const PROF = process.env.SIGNER_BENCH_PROF;
/** The replay store: `sqlite` (default, the CLI's: -dataDir, durability full) or `memory` (-dataDir none). */
const STORE = process.env.SIGNER_BENCH_STORE ?? 'sqlite';
if (STORE !== 'sqlite' && STORE !== 'memory') throw new Error('SIGNER_BENCH_STORE must be sqlite or memory');

const SIGNER_KEY = `0x${'5b'.repeat(32)}` as const;
const O_ADDR: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
/** 1 wei per pixel: one second of lv2v costs 27,648,000 wei; a ticket's EV is 0.75 s of that. */
const PRICE = { pricePerUnit: 1n, pixelsPerUnit: 1n };
const TICKET_EV = (BigInt(LV2V_PIXELS_PER_SECOND) * 3n) / 4n;

interface NativeLib {
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
}

/** Raw native signs per second, one thread, over `n` distinct digests. */
function signsPerSec(lib: NativeLib, key: Uint8Array, n: number): number {
  const digest = new Uint8Array(32).fill(7);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    digest[0] = i & 255;
    digest[1] = (i >> 8) & 255;
    lib.ecdsaSign(digest, key);
  }
  return (n * 1000) / (performance.now() - t0);
}

/** Starts a V8 CPU profile of this process (the signer's); the returned function stops it and writes `${dir}/signer.cpuprofile`. */
async function startProfile(dir: string): Promise<() => Promise<void>> {
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  return async () => {
    const { profile } = await s.post('Profiler.stop');
    await writeFile(join(dir, 'signer.cpuprofile'), JSON.stringify(profile));
    s.disconnect();
    log(`signer profile (the measured window): ${join(dir, 'signer.cpuprofile')} (node --import tsx bench/lib/profile-top.ts <file>)`);
  };
}

/** Runs the load client; `onMeasuring` when its warm-up ends. */
function runClient(req: LoadRequest, onMeasuring: () => void): Promise<LoadResult> {
  const child = fork(fileURLToPath(new URL('./lib/signer-load.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', ...(PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`, '--cpu-prof-name=client.cpuprofile'] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the load client did not answer in time'));
    }, req.warmupMs + req.durationMs + 120_000);
    child.on('message', (m: { measuring?: boolean; ok?: boolean; result?: LoadResult; error?: string }) => {
      if (m.measuring) {
        onMeasuring();
        return;
      }
      clearTimeout(limit);
      if (m.ok) resolve(m.result!);
      else reject(new Error(`load client: ${m.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(limit);
      reject(new Error(`the load client exited (${code}) without a result`));
    });
    child.send(req);
  });
}

async function main(): Promise<void> {
  const native = createRequire(import.meta.url)('secp256k1/bindings') as NativeLib;
  log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu?'}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, crypto ${cryptoBackend()}`);
  log(`${SESSIONS} sessions, ${WARMUP} s warm-up, ${SECONDS} s measured; load client in a child process; replay store ${STORE}`);
  const key = hexToBytes(SIGNER_KEY);
  const signerAddr = addressOfPrivateKey(key);
  const dataDir = await mkdtemp(join(os.tmpdir(), 'lpts-signer-bench-'));
  const store = await openStore(STORE === 'sqlite' ? { backend: 'sqlite', dataDir } : { backend: 'memory' });
  const chain = new MemoryChainView({ l1Block: 21_000_000n, round: 3500n, roundBlockHash: `0x${'ab'.repeat(32)}` as Hex32 });
  const senders = new MemorySenderInfo().set(signerAddr, { deposit: 10n ** 24n, reserve: { fundsRemaining: 10n ** 24n } }).setMaxFloat(signerAddr, 10n ** 24n);
  const secret = new Uint8Array(32).fill(9);
  const recipient = new Recipient({ address: O_ADDR, secret, chain, senders, params: { ev: TICKET_EV, redeemGas: 1000n, txCostMultiplier: 100n }, gasPrice: { gasPrice: () => 10n }, maxFloat: senders });
  // The signer's clock: the wall clock at start, then 1/sessions s per call (see the header).
  const stepNs = 1_000_000_000n / BigInt(SESSIONS);
  let clockCalls = 0n;
  const t0Ns = BigInt(Date.now()) * 1_000_000n;
  const now = (): bigint => t0Ns + clockCalls++ * stepNs;
  const node = await startSignerNode({
    logLevel: 'error',
    httpAddr: '127.0.0.1:0',
    service: (seams) => createRemoteSigner({ privateKey: SIGNER_KEY, chain, senders, events: seams.events, store: store.signerStates!, now }),
  });
  let client: LoadResult | undefined;
  const before: number[] = [];
  const after: number[] = [];
  let cpuUs = 0;
  let atWindow: ReturnType<typeof node.metrics.snapshot> | undefined;
  try {
    const params = await recipient.ticketParams(signerAddr, PRICE);
    const info = create(OrchestratorInfoSchema, {
      transcoder: 'https://127.0.0.1:8935',
      address: hexToBytes(O_ADDR),
      ticketParams: ticketParamsToWire(params),
      priceInfo: priceInfoToWire(PRICE),
      // Valid far past the bench's clock (1 s per session call: 10 days is 86,400,000 calls at 100 sessions).
      authToken: createAuthToken(secret, { now: t0Ns / 1_000_000_000n, validitySeconds: 10 * 86_400, sessionId: 'bench' }),
    });
    const orchestrator = encodeBase64(toBinary(OrchestratorInfoSchema, info));
    for (let i = 0; i < 3; i++) before.push(signsPerSec(native, key, 4000));
    log(`raw native ECDSA signs/s before the load: ${before.map((x) => Math.round(x)).join(', ')}`);
    let cpu0: NodeJS.CpuUsage | undefined;
    let stopProfile: Promise<() => Promise<void>> | undefined;
    client = await runClient({ op: 'run', url: node.url, orchestrator, sessions: SESSIONS, warmupMs: Math.round(WARMUP * 1000), durationMs: Math.round(SECONDS * 1000) }, () => {
      cpu0 = process.cpuUsage();
      atWindow = node.metrics.snapshot();
      if (PROF) stopProfile = startProfile(PROF);
    });
    const c = process.cpuUsage(cpu0);
    cpuUs = c.user + c.system;
    if (stopProfile) await (await stopProfile)();
    for (let i = 0; i < 2; i++) after.push(signsPerSec(native, key, 4000));
    log(`raw native ECDSA signs/s after the load: ${after.map((x) => Math.round(x)).join(', ')}`);
  } finally {
    await node.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const m = node.metrics.snapshot();
  const callsPerSec = client.calls / client.seconds;
  const sps = median([...before, ...after]);
  log(`answers in the window: ${JSON.stringify(client.byStatus)}${client.firstError ? ` — first non-200: ${client.firstError}` : ''}`);
  const windowTickets = m.ticketsSigned - (atWindow?.ticketsSigned ?? 0);
  const windowOk = (m.callsByStatus['200'] ?? 0) - (atWindow?.callsByStatus['200'] ?? 0);
  log(`signer: ${m.ticketsSigned} tickets signed in all; in the measured window ${windowTickets} over ${windowOk} successful calls (${round(windowTickets / Math.max(1, windowOk), 2)} per call, plus one state signature each); its process used ${round(cpuUs / 1000)} ms CPU in the measured window (${round(cpuUs / 1e6 / client.seconds, 2)} cores, ${round(cpuUs / Math.max(1, client.calls + (client.byStatus['482'] ?? 0) + (client.byStatus['409'] ?? 0)))} µs per call)`);
  log(`client: ${round(client.cpuUs / 1000)} ms CPU in the window (${round(client.cpuUs / 1e6 / client.seconds, 2)} cores); latency p50 ${round(client.p50Ms, 3)} ms, p99 ${round(client.p99Ms, 3)} ms, max ${round(client.maxMs, 1)} ms`);
  if (client.missingState > 0) throw new Error(`${client.missingState} 200 answers carried no state`);
  log(`${round(callsPerSec)} calls/s (target ≥ 5,000), p99 ${round(client.p99Ms, 2)} ms (target < 10 ms); ratio to raw signs ${round(callsPerSec / sps, 3)}`);
  console.log(JSON.stringify({ metric: 'signer', sessions: SESSIONS, callsPerSec: round(callsPerSec), p50Ms: round(client.p50Ms, 3), p99Ms: round(client.p99Ms, 3), signsPerSec: round(sps), ratio: round(callsPerSec / sps, 3) }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
