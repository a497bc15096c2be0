// `livepeer-ts pm check`: reads tickets as JSON Lines on stdin (the format of
// vectors/pm-tickets.jsonl: {ticket, sig, recipientRand}; other fields ignored) and writes one JSON
// line per input: {"hash","signer","sigValid","winning","reason"}. A line that cannot be read gives
// {"error": "..."} and the tool goes on; the exit code is 0 once stdin is drained.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Address, Hex } from 'viem';
import { bytesToHex, cryptoBackend, hexToBytes, inspectTicket, MAX_UINT256, MAX_UINT32, setCryptoBackend } from '../pm/index.js';
import type { HashedTicketFields } from '../pm/index.js';
import { UsageError, parseFlags, usage } from './flags.js';
import type { Command } from './main.js';

const SUMMARY = 'Check PM tickets: hash, strict signature, signer and lottery result for each JSON line on stdin.';

const specs = {
  crypto: { kind: 'string', description: 'secp256k1 backend: auto, native or js', default: 'auto' },
  help: { kind: 'boolean', description: 'show this help' },
} as const;

class LineError extends Error {}

function field(obj: Record<string, unknown>, name: string, where: string): unknown {
  if (!(name in obj) || obj[name] === undefined || obj[name] === null) throw new LineError(`missing field ${where}${name}`);
  return obj[name];
}

function uint(v: unknown, name: string, max: bigint): bigint {
  let n: bigint;
  if (typeof v === 'string' && /^(0|[1-9]\d*)$/.test(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^0x[0-9a-fA-F]+$/.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
  else throw new LineError(`${name} must be a non-negative integer (decimal string), got ${JSON.stringify(v)}`);
  if (n > max) throw new LineError(`${name} ${n} is out of range (max ${max})`);
  return n;
}

function hex(v: unknown, name: string, bytes: number): Hex {
  if (typeof v !== 'string' || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(v)) {
    throw new LineError(`${name} must be 0x-prefixed hex of ${bytes} bytes, got ${JSON.stringify(v)}`);
  }
  return v as Hex;
}

function sigBytes(v: unknown): Uint8Array {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) throw new LineError(`sig must be 0x-prefixed hex bytes, got ${JSON.stringify(v)}`);
  return hexToBytes(v);
}

/** One input line → one output object. Exported for tests. */
export function checkLine(line: string): Record<string, unknown> {
  try {
    let input: unknown;
    try {
      input = JSON.parse(line);
    } catch (err) {
      throw new LineError(`bad JSON: ${(err as Error).message}`);
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new LineError('each line must be a JSON object');
    const o = input as Record<string, unknown>;
    const t = field(o, 'ticket', '');
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new LineError('ticket must be an object');
    const tk = t as Record<string, unknown>;
    const ticket: HashedTicketFields = {
      recipient: hex(field(tk, 'recipient', 'ticket.'), 'ticket.recipient', 20) as Address,
      sender: hex(field(tk, 'sender', 'ticket.'), 'ticket.sender', 20) as Address,
      faceValue: uint(field(tk, 'faceValue', 'ticket.'), 'ticket.faceValue', MAX_UINT256),
      winProb: uint(field(tk, 'winProb', 'ticket.'), 'ticket.winProb', MAX_UINT256),
      senderNonce: uint(field(tk, 'senderNonce', 'ticket.'), 'ticket.senderNonce', MAX_UINT32),
      recipientRandHash: hex(field(tk, 'recipientRandHash', 'ticket.'), 'ticket.recipientRandHash', 32),
      creationRound: uint(field(tk, 'creationRound', 'ticket.'), 'ticket.creationRound', MAX_UINT256),
      creationRoundBlockHash: hex(field(tk, 'creationRoundBlockHash', 'ticket.'), 'ticket.creationRoundBlockHash', 32),
    };
    const sig = sigBytes(field(o, 'sig', ''));
    const rand = uint(field(o, 'recipientRand', ''), 'recipientRand', MAX_UINT256);
    const r = inspectTicket(ticket, sig, rand);
    const out: Record<string, unknown> = { hash: bytesToHex(r.hash) };
    if (r.signer) out.signer = r.signer;
    out.sigValid = r.sigValid;
    if (r.sigValid) out.winning = r.winning;
    else out.reason = r.reason;
    return out;
  } catch (err) {
    if (err instanceof LineError || err instanceof RangeError) return { error: err.message };
    throw err;
  }
}

async function check(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, specs);
  if (flags.help) {
    console.log(usage('pm check [flags] < tickets.jsonl', SUMMARY, specs));
    return 0;
  }
  if (positional.length) throw new UsageError(`pm check takes no arguments (got ${positional.join(' ')}); pipe JSON lines on stdin`);
  const backend = flags.crypto ?? 'auto';
  if (backend !== 'auto' && backend !== 'native' && backend !== 'js') throw new UsageError(`-crypto must be auto, native or js, got "${backend}"`);
  setCryptoBackend(backend);
  process.stderr.write(`pm check: secp256k1 backend ${cryptoBackend()}\n`);

  const out = process.stdout;
  let buf: string[] = [];
  const flush = async () => {
    if (!buf.length) return;
    const chunk = buf.join('');
    buf = [];
    if (!out.write(chunk)) await once(out, 'drain');
  };
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    buf.push(JSON.stringify(checkLine(line)) + '\n');
    if (buf.length >= 256) await flush();
  }
  await flush();
  await new Promise<void>((resolve) => out.write('', () => resolve()));
  return 0;
}

export const pmCommand: Command = {
  summary: 'PM ticket tools (pm check)',
  async run(argv: string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === 'check') return check(rest);
    if (!sub || sub === 'help' || sub === '-help' || sub === '--help' || sub === '-h') {
      console.log(`usage: livepeer-ts pm <subcommand>\n\nsubcommands:\n  check   ${SUMMARY}`);
      return 0;
    }
    throw new UsageError(`unknown pm subcommand "${sub}" (known: check)`);
  },
};
