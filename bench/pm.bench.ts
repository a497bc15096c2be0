// `npm run bench:pm`: recipient-side ticket validation throughput vs raw native ecrecover, one core.
// Tickets are pre-signed outside the timed part; each round validates the whole batch through
// Recipient.receiveTicket (HMAC recipientRand, hash, strict signature + recover, recipient/sender/
// rand checks, nonce memory, expiry, lottery), then times libsecp256k1's ecdsaRecover alone over the
// same digests and signatures. The two alternate and the medians are reported. The last stdout line
// is one JSON object.
import { createRequire } from 'node:module';
import os from 'node:os';
import type { Address, Hex } from 'viem';
import {
  MemoryChainView,
  MemorySenderInfo,
  Recipient,
  Sender,
  batchTickets,
  bytesToHex,
  cryptoBackend,
  keccak256,
  keccakBackend,
  localTicketSigner,
  personalDigest,
  setCryptoBackend,
  ticketHashBytes,
} from '../src/pm/index.js';
import type { Ticket } from '../src/pm/index.js';
import { median, rate, round } from './lib/stats.js';
import type { Rate } from './lib/stats.js';

const SENDERS = 4;
const SESSIONS_PER_SENDER = 2;
const TICKETS_PER_SESSION = 500; // O accepts at most 600 nonces per params
const ROUNDS = Math.min(50, Math.max(1, Math.floor(Number(process.env.PM_BENCH_ROUNDS ?? 7)) || 7));

interface NativeLib {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array;
}

async function main(): Promise<void> {
  setCryptoBackend((process.env.LIVEPEER_TS_CRYPTO as 'native' | 'js' | undefined) ?? 'auto');
  const backend = cryptoBackend();
  const native = createRequire(import.meta.url)('secp256k1/bindings') as NativeLib;
  const log = (s: string) => console.log(`[bench:pm] ${s}`);
  log(`backend ${backend}, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'}`);

  const orch: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const secret = keccak256(Buffer.from('bench-secret'));
  const chain = new MemoryChainView({ l1Block: 21_000_000n, round: 3500n, roundBlockHash: bytesToHex(keccak256(Buffer.from('round'))) });
  const info = new MemorySenderInfo();
  const signers = Array.from({ length: SENDERS }, (_, i) => localTicketSigner(bytesToHex(keccak256(Buffer.from(`bench-sender-${i}`))) as Hex));
  for (const s of signers) info.set(s.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } }).setMaxFloat(s.address, 10n ** 18n);
  const recipientCfg = {
    address: orch,
    secret,
    chain,
    senders: info,
    maxFloat: info,
    params: { ev: 8_000_000_000n, redeemGas: 1_200_000n, txCostMultiplier: 100n },
    gasPrice: { gasPrice: () => 10_000_000n },
    sink: { onWinningTicket: () => undefined },
  };

  // Pre-sign (not timed): real params from O, real batches from G.
  const issuer = new Recipient(recipientCfg);
  const work: { ticket: Ticket; sig: Uint8Array; seed: bigint }[] = [];
  for (const s of signers) {
    const g = new Sender({ signer: s, chain, senders: info });
    for (let k = 0; k < SESSIONS_PER_SENDER; k++) {
      const params = await issuer.ticketParams(s.address, { pricePerUnit: 1200n, pixelsPerUnit: 1n });
      const batch = await g.createTicketBatch(g.startSession(params), TICKETS_PER_SESSION);
      for (const t of batchTickets(batch)) work.push({ ...t, seed: params.seed });
    }
  }
  // Interleave senders/sessions like concurrent streams would.
  const order = work.map((_, i) => i).sort((a, b) => (a % TICKETS_PER_SESSION) - (b % TICKETS_PER_SESSION) || a - b);
  const tickets = order.map((i) => work[i]!);
  const digests = tickets.map((t) => personalDigest(ticketHashBytes(t.ticket)));
  log(`pre-signed ${tickets.length} tickets from ${SENDERS} senders (${SENDERS * SESSIONS_PER_SENDER} param sets) to one recipient`);

  const validate = async (): Promise<Rate> => {
    const r = new Recipient(recipientCfg); // fresh nonce memory and HMAC cache every round
    let bad = 0;
    const ops = await rate(tickets.length, async () => {
      for (const t of tickets) {
        const res = await r.receiveTicket(t.ticket, t.sig, t.seed);
        if (!res.credited && bad++ === 0) log(`first failure: ${res.error?.code} ${res.error?.message}`);
      }
    });
    if (bad) throw new Error(`${bad} tickets failed validation`);
    return ops;
  };
  const ecrecover = async (): Promise<Rate> => {
    let sink = 0;
    const ops = await rate(tickets.length, () => {
      for (let i = 0; i < tickets.length; i++) {
        const sig = tickets[i]!.sig;
        sink ^= native.ecdsaRecover(sig.subarray(0, 64), sig[64]! - 27, digests[i]!, false)[1]!;
      }
    });
    if (sink === -1) log('unreachable');
    return ops;
  };

  await validate(); // warm-up
  await ecrecover();
  const v: Rate[] = [];
  const e: Rate[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    v.push(await validate());
    e.push(await ecrecover());
    const [a, b] = [v[i]!, e[i]!];
    log(
      `round ${i + 1}/${ROUNDS}: validate ${round(a.cpu)} tickets/cpu-s (${round(a.wall)}/wall-s), ` +
        `ecrecover ${round(b.cpu)} /cpu-s (${round(b.wall)}/wall-s), ratio ${round(a.cpu / b.cpu, 3)} (wall ${round(a.wall / b.wall, 3)})`,
    );
  }
  // Per-round ratios cancel load that hits both halves of a round alike; report their median too.
  const tps = median(v.map((r) => r.cpu));
  const eps = median(e.map((r) => r.cpu));
  const wallTps = median(v.map((r) => r.wall));
  const wallEps = median(e.map((r) => r.wall));
  console.log(
    JSON.stringify({
      metric: 'pm.validate',
      ticketsPerSec: round(tps),
      ecrecoverPerSec: round(eps),
      ratio: round(tps / eps, 3),
      backend,
      keccak: keccakBackend() === 'wasm' ? 'hash-wasm' : '@noble/hashes',
      timing: 'cpu',
      medianRoundRatio: round(median(v.map((r, i) => r.cpu / e[i]!.cpu)), 3),
      wallTicketsPerSec: round(wallTps),
      wallEcrecoverPerSec: round(wallEps),
      wallRatio: round(wallTps / wallEps, 3),
      tickets: tickets.length,
      rounds: ROUNDS,
      threads: 1,
      loadavg1: round(os.loadavg()[0]!, 2),
      node: process.version,
    }),
  );
}

await main();
