// The `livepeer-ts` command: one binary, one subcommand per role (like go-livepeer's modes).
// Each subcommand lives in its own module and is loaded only when used, so `pm check` does not
// pay for loading the HTTP stack.
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
  gateway: { summary: 'AI gateway: go-livepeer client API, pays orchestrators with PM tickets', load: async () => (await import('./gateway.js')).gatewayCommand },
  runner: { summary: 'CPU reference runner speaking the ai-runner HTTP API (stand-in for GPU models)', load: async () => (await import('./runner.js')).runnerCommand },
  pm: { summary: 'ticket tools: `pm check` verifies JSON Lines tickets (hash, signer, win)', load: async () => (await import('./pm.js')).pmCommand },
};

function help(): string {
  const lines = ['usage: livepeer-ts <command> [flags]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(13)} ${c.summary}`);
  lines.push('', 'Run `livepeer-ts <command> -help` for the flags of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '-h' || name === '--help' || name === '-help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`livepeer-ts: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  try {
    const cmd = await entry.load();
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`livepeer-ts ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
