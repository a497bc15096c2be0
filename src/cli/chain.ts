// `livepeer-ts chain <sub>`: operator actions on the protocol contracts (any chain: a devnet or a
// real JSON-RPC URL plus a Controller address). Contracts are found through the Controller, as
// go-livepeer does. Keys come from -ethPrivateKey or LIVEPEER_TS_PRIVATE_KEY and are never printed.
import { BaseError, createPublicClient, createWalletClient, isAddress, isHex, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { EthError, resolveContracts, revertReason, rpcTransport, type ProtocolName, type Wallet } from '../eth/index.js';
import { chainOps, type ChainContext, type ChainOp } from './chain-ops.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import type { Command } from './main.js';
import { AI_SERVICE_REGISTRY_FLAG, bareFlagAsTrue } from './registry-flag.js';

const commonSpecs = {
  ethUrl: { kind: 'string', description: 'Ethereum JSON-RPC URL', default: 'http://127.0.0.1:8545' },
  ethController: { kind: 'string', description: 'Controller contract address (required)' },
  ethPrivateKey: { kind: 'string', description: 'hex private key of the acting account (or env LIVEPEER_TS_PRIVATE_KEY)' },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Protocol actions: status, funding, unlock/withdraw, bonding, registration, fees, rounds.';

function topHelp(): string {
  const lines = ['usage: livepeer-ts chain <subcommand> [flags]', '', summary, '', 'subcommands:'];
  for (const [name, op] of Object.entries(chainOps)) lines.push(`  ${name.padEnd(18)} ${op.summary}`);
  lines.push('', 'Run `livepeer-ts chain <subcommand> -help` for its flags.');
  return lines.join('\n');
}

function loadKey(flag: string | undefined): Hex | undefined {
  const raw = flag ?? process.env.LIVEPEER_TS_PRIVATE_KEY;
  if (raw === undefined || raw === '') return undefined;
  const key = (raw.startsWith('0x') ? raw : `0x${raw}`) as Hex;
  // Never echo the value: only say what is wrong with it.
  if (!isHex(key) || key.length !== 66) throw new UsageError('the private key must be 32 bytes of hex (64 hex digits, optional 0x)');
  return key;
}

async function makeContext(flags: { ethUrl?: string; ethController?: string; ethPrivateKey?: string }, needsKey: boolean): Promise<ChainContext> {
  if (!flags.ethController || !isAddress(flags.ethController)) {
    throw new UsageError('-ethController must be the Controller contract address (0x + 40 hex digits)');
  }
  const url = flags.ethUrl ?? 'http://127.0.0.1:8545';
  const transport = rpcTransport(url, { retryCount: 1 });
  const probe = createPublicClient({ transport });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (err) {
    throw new EthError('BAD_CONFIG', `cannot reach ${url}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const chain = {
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  } as const;
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient;
  const controller = flags.ethController as Address;
  if ((await publicClient.getCode({ address: controller })) === undefined) {
    throw new EthError('BAD_CONFIG', `no contract at ${controller} on ${url}; check -ethController`);
  }
  const contracts = await resolveContracts(publicClient, controller);
  const key = loadKey(flags.ethPrivateKey);
  if (needsKey && !key) throw new UsageError('this subcommand sends a transaction: pass -ethPrivateKey or set LIVEPEER_TS_PRIVATE_KEY');
  let wallet: Wallet | undefined;
  if (key) wallet = createWalletClient({ account: privateKeyToAccount(key), chain, transport, pollingInterval: 100 });
  const need = (name: ProtocolName): Address => {
    const a = contracts[name];
    if (/^0x0{40}$/.test(a)) throw new EthError('BAD_CONFIG', `${name} is not registered in the Controller ${controller}`);
    return a;
  };
  return { url, publicClient, wallet, controller, contracts, need, out: (line) => console.log(line) };
}

export const chainCommand: Command = {
  summary,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === 'help' || sub === '-help' || sub === '--help' || sub === '-h') {
      console.log(topHelp());
      return 0;
    }
    const op: ChainOp | undefined = chainOps[sub];
    if (!op) throw new UsageError(`unknown subcommand "${sub}"\n\n${topHelp()}`);
    const specs = { ...commonSpecs, ...op.flags } as FlagSpecs;
    const { flags, positional } = parseFlags(AI_SERVICE_REGISTRY_FLAG in specs ? bareFlagAsTrue(rest, AI_SERVICE_REGISTRY_FLAG) : rest, specs);
    if (flags.help) {
      console.log(usage(`chain ${sub} [flags]`, op.summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    try {
      const ctx = await makeContext(flags as Record<string, string | undefined>, op.sends);
      await op.run(ctx, flags as Record<string, unknown>);
      return 0;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      if (err instanceof EthError) {
        console.error(`livepeer-ts chain ${sub}: ${err.message}`);
        return 1;
      }
      if (err instanceof BaseError) {
        // A failed read or RPC error: the short message, without viem's multi-line details.
        console.error(`livepeer-ts chain ${sub}: ${revertReason(err)}`);
        return 1;
      }
      throw err;
    }
  },
};
