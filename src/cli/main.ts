// The `livepeer-ts` command: one binary, one subcommand per role (like go-livepeer's modes).
// Each subcommand lives in its own module and is loaded only when used, so `pm check` does not
// pay for loading the HTTP stack.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './flags.js';

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

type Loader = () => Promise<Command>;

// Summaries live here (not in the command modules) so `help` lists them without loading every module.
const commands: Record<string, { summary: string; load: Loader }> = {
  demo: { summary: 'the whole network on 127.0.0.1 with paid AI jobs and a settlement summary (npm start)', load: async () => (await import('./demo.js')).demoCommand },
  devnet: { summary: 'local chain (anvil) with the protocol contracts deployed; prints one JSON line', load: async () => (await import('./devnet.js')).devnetCommand },
  chain: { summary: 'protocol actions: status, fund/unlock/withdraw, bond, register, fees, rounds', load: async () => (await import('./chain.js')).chainCommand },
  orchestrator: { summary: 'AI orchestrator: gRPC + HTTPS on one port, ticket validation, runners', load: async () => (await import('./orchestrator.js')).orchestratorCommand },
  redeemer: { summary: 'ticket redemption service: holds the key and the queue; orchestrators send it winning tickets (-redeemerAddr)', load: async () => (await import('./redeemer.js')).redeemerCommand },
  signer: { summary: 'remote signer (go-livepeer -remoteSigner): signs PM tickets for off-chain gateways over HTTP', load: async () => (await import('./signer.js')).signerCommand },
  gateway: { summary: 'AI gateway: go-livepeer client API, pays orchestrators with PM tickets', load: async () => (await import('./gateway.js')).gatewayCommand },
  live: { summary: 'live video-to-video client: streams a file through a gateway, saves the transformed output, prints progress and payments', load: async () => (await import('./live.js')).liveCommand },
  runner: { summary: 'CPU reference runner speaking the ai-runner HTTP API (stand-in for GPU models)', load: async () => (await import('./runner.js')).runnerCommand },
  trickle: { summary: 'standalone trickle server (go-livepeer\'s live media channels) on plain HTTP, channels created on first POST', load: async () => (await import('./trickle.js')).trickleCommand },
  pm: { summary: 'ticket tools: `pm check` verifies JSON Lines tickets (hash, signer, win)', load: async () => (await import('./pm.js')).pmCommand },
};

function help(): string {
  const lines = ['usage: livepeer-ts <command> [flags]', '       livepeer-ts -gateway|-orchestrator|-redeemer|-remoteSigner [flags]   (go-livepeer\'s mode flags)', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(13)} ${c.summary}`);
  lines.push(`  ${'version'.padEnd(13)} print the version`);
  lines.push('', 'Run `livepeer-ts <command> -help` (or -h, --help) for the flags of one command.');
  return lines.join('\n');
}

const HELP = new Set(['help', '-h', '-help', '--help']);
const VERSION = new Set(['version', '-version', '--version']);

/**
 * go-livepeer's mode flags, accepted anywhere on the line: `livepeer-ts -gateway -orchAddr …` is
 * `livepeer-ts gateway -orchAddr …`. (-broadcaster is go-livepeer's older name for -gateway.)
 */
const MODE_FLAGS: Record<string, string> = { gateway: 'gateway', broadcaster: 'gateway', orchestrator: 'orchestrator', redeemer: 'redeemer', remoteSigner: 'signer' };

function modeFromFlags(argv: readonly string[]): { name: string; rest: string[] } | undefined {
  let found: string | undefined;
  let foundFlag = '';
  const rest: string[] = [];
  for (const arg of argv) {
    const m = /^--?([A-Za-z]+)(?:=(true|1))?$/.exec(arg);
    const mode = m ? MODE_FLAGS[m[1]!] : undefined;
    if (mode) {
      if (found && found !== mode) throw new UsageError(`-${foundFlag} and -${m![1]} are different modes: give one`);
      found = mode;
      foundFlag = m![1]!;
    } else rest.push(arg);
  }
  return found ? { name: found, rest } : undefined;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (!name || HELP.has(name)) {
    console.log(help());
    return 0;
  }
  if (VERSION.has(name)) {
    console.log(`livepeer-ts ${packageVersion()} (node ${process.version})`);
    return 0;
  }
  try {
    if (!commands[name] && name.startsWith('-')) {
      const mode = modeFromFlags(argv);
      if (mode) ({ name, rest } = mode);
    }
    const entry = commands[name];
    if (!entry) {
      console.error(`livepeer-ts: unknown command "${name}"\n\n${help()}`);
      return 2;
    }
    const cmd = await entry.load();
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`livepeer-ts${name.startsWith('-') ? '' : ` ${name}`}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
