// The `livepeer-ts` command: one binary, one subcommand per role (like go-livepeer's modes).
// Each subcommand lives in its own module and is loaded only when used, so `pm check` does not
// pay for loading the HTTP stack.
import { UsageError } from './flags.js';

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

type Loader = () => Promise<Command>;

const commands: Record<string, Loader> = {
  chain: async () => (await import('./chain.js')).chainCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
  devnet: async () => (await import('./devnet.js')).devnetCommand,
  gateway: async () => (await import('./gateway.js')).gatewayCommand,
  orchestrator: async () => (await import('./orchestrator.js')).orchestratorCommand,
  pm: async () => (await import('./pm.js')).pmCommand,
  runner: async () => (await import('./runner.js')).runnerCommand,
};

function help(): string {
  const lines = ['usage: livepeer-ts <command> [flags]', '', 'commands:'];
  for (const name of Object.keys(commands)) lines.push(`  ${name}`);
  lines.push('', 'Run `livepeer-ts <command> -help` for the flags of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '-h' || name === '--help' || name === '-help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`livepeer-ts: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  try {
    const cmd = await load();
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`livepeer-ts ${name}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
