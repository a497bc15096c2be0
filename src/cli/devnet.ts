// `livepeer-ts devnet`: a local Livepeer network for development and tests. Starts anvil on
// 127.0.0.1, deploys and configures the protocol, bonds orchestrators and funds gateways, prints ONE
// JSON line describing it on stdout (progress goes to stderr), and runs until SIGTERM/SIGINT.
import { ensureContractsBuilt, roundsManagerAbi, startDevnet, type Devnet } from '../eth/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import type { Command } from './main.js';

const specs = {
  port: { kind: 'number', description: 'anvil JSON-RPC port on 127.0.0.1 (0 = any free port)', default: 8545 },
  orchestrators: { kind: 'number', description: 'orchestrator accounts to fund, bond and register', default: 2 },
  gateways: { kind: 'number', description: 'gateway accounts with a TicketBroker deposit and reserve', default: 1 },
  roundLength: { kind: 'number', description: 'blocks per round', default: 50 },
  blockTime: { kind: 'number', description: 'mine a block every N seconds (0 = only when a transaction arrives)', default: 0 },
  initializeRound: { kind: 'boolean', description: 'initialise each new round automatically (as go-livepeer -initializeRound)' },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Run a local chain with the Livepeer protocol deployed; prints one JSON line, then runs until killed.';

function wholeNumber(name: string, v: number | undefined, min: number): number {
  if (v === undefined || !Number.isInteger(v) || v < min) throw new UsageError(`-${name} must be a whole number ≥ ${min}`);
  return v;
}

/** The line `livepeer-ts devnet` prints: what a node or test needs to use the network. */
export function describeDevnet(dev: Devnet): string {
  return JSON.stringify({
    rpcUrl: dev.rpcUrl,
    chainId: dev.chainId,
    controller: dev.controller,
    contracts: dev.contracts,
    accounts: dev.accounts.map((a) => ({ address: a.address, privateKey: a.privateKey, role: a.role })),
  });
}

export const devnetCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('devnet [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const port = wholeNumber('port', flags.port, 0);
    const orchestrators = wholeNumber('orchestrators', flags.orchestrators, 0);
    const gateways = wholeNumber('gateways', flags.gateways, 0);
    const roundLength = wholeNumber('roundLength', flags.roundLength, 1);
    const blockTime = wholeNumber('blockTime', flags.blockTime, 0);
    const log = (line: string) => console.error(line);

    ensureContractsBuilt(log);
    let stopping = false;
    let resolveStop: () => void = () => {};
    const stopped = new Promise<void>((r) => (resolveStop = r));
    const onSignal = () => {
      stopping = true;
      resolveStop();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);

    let dev: Devnet;
    try {
      dev = await startDevnet({
        port,
        orchestrators,
        gateways,
        roundLength: BigInt(roundLength),
        ...(blockTime > 0 ? { blockTime } : {}),
        log,
      });
    } catch (err) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      console.error(`livepeer-ts devnet: ${msg}${port === 8545 ? ' (is another node on port 8545? try -port 0)' : ''}`);
      return 1;
    }
    let initializer: { stop(): void } | undefined;
    try {
      process.stdout.write(`${describeDevnet(dev)}\n`);
      if (flags.initializeRound) initializer = autoInitialize(dev, log);
      if (!stopping) await stopped;
    } finally {
      initializer?.stop();
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      log('devnet: stopping anvil');
      await dev.stop();
    }
    return 0;
  },
};

/** Polls twice a second and initialises a round as soon as it starts. */
function autoInitialize(dev: Devnet, log: (line: string) => void): { stop(): void } {
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    void (async () => {
      try {
        const initialized = await dev.publicClient.readContract({
          address: dev.contracts.RoundsManager,
          abi: roundsManagerAbi,
          functionName: 'currentRoundInitialized',
        });
        if (!initialized) {
          await dev.send(dev.accounts[0]!, { address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'initializeRound' });
          log(`devnet: initialised round ${await dev.currentRound()}`);
        }
      } catch (err) {
        if (!stopped) log(`devnet: initializeRound failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      } finally {
        busy = false;
      }
    })();
  }, 500);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
