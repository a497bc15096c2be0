// The subcommands of `livepeer-ts chain`: each reads or sends through the typed bindings of src/eth.
import { isAddress, type Address, type PublicClient } from 'viem';
import {
  bondingManagerAbi,
  chooseAiServiceRegistry,
  livepeerTokenAbi,
  roundsManagerAbi,
  sendTx,
  serviceRegistryAbi,
  ticketBrokerAbi,
  type CallSpec,
  type ProtocolName,
  type Wallet,
} from '../eth/index.js';
import { AmountParseError, formatWei, parseEther } from '../money/index.js';
import { UsageError, type FlagSpecs } from './flags.js';
import { chainStatus } from './chain-status.js';
import { parseAiServiceRegistryFlag } from './registry-flag.js';

export interface ChainContext {
  url: string;
  publicClient: PublicClient;
  wallet: Wallet | undefined;
  controller: Address;
  contracts: Record<ProtocolName, Address>;
  /** The registered address of `name`; throws BAD_CONFIG when it is not registered. */
  need(name: ProtocolName): Address;
  out(line: string): void;
}

export interface ChainOp {
  summary: string;
  /** Sends a transaction, so needs a key. */
  sends: boolean;
  flags: FlagSpecs;
  run(ctx: ChainContext, flags: Record<string, unknown>): Promise<void>;
}

/** An ETH or LPT amount (18 decimals) from a decimal string, exactly; refuses what it cannot represent. */
export function parseAmount(flag: string, raw: unknown, unit: 'ETH' | 'LPT'): bigint {
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`-${flag} is required: an amount in ${unit}, e.g. 0.5`);
  try {
    const v = parseEther(raw);
    if (v <= 0n) throw new UsageError(`-${flag} must be more than 0 ${unit}`);
    return v;
  } catch (err) {
    if (err instanceof AmountParseError) throw new UsageError(`-${flag}: ${err.message}`);
    throw err;
  }
}

/** A percentage ("10", "2.5", up to 4 decimals, ≤ 100) as parts per million, the contracts' 1e6 scale. */
export function parsePercent(flag: string, raw: unknown): bigint {
  if (typeof raw !== 'string' || !/^\d{1,3}(\.\d{1,4})?$/.test(raw)) {
    throw new UsageError(`-${flag} must be a percentage between 0 and 100 with at most 4 decimals, e.g. 10 or 2.5`);
  }
  const [whole, frac = ''] = raw.split('.');
  const ppm = BigInt(whole!) * 10_000n + BigInt(frac.padEnd(4, '0'));
  if (ppm > 1_000_000n) throw new UsageError(`-${flag} must be at most 100`);
  return ppm;
}

function addressFlag(flag: string, raw: unknown, fallback: Address): Address {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !isAddress(raw)) throw new UsageError(`-${flag} must be an address (0x + 40 hex digits)`);
  return raw;
}

function me(ctx: ChainContext): Address {
  return ctx.wallet!.account.address;
}

async function send(ctx: ChainContext, call: CallSpec, what: string): Promise<void> {
  const receipt = await sendTx(ctx.publicClient, ctx.wallet!, call);
  ctx.out(`${what}: tx ${receipt.transactionHash} (block ${receipt.blockNumber}, gas ${receipt.gasUsed})`);
}

async function rpcMine(ctx: ChainContext, blocks: bigint): Promise<void> {
  if (blocks <= 0n) return;
  try {
    await ctx.publicClient.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] } as never);
  } catch {
    throw new UsageError(`${ctx.url} does not mine on request (anvil_mine): -next and mine work on a devnet only`);
  }
}

const broker = (ctx: ChainContext, functionName: string, args: unknown[] = [], value?: bigint): CallSpec => ({
  address: ctx.need('TicketBroker'),
  abi: ticketBrokerAbi,
  functionName,
  args,
  ...(value !== undefined ? { value } : {}),
});
const bonding = (ctx: ChainContext, functionName: string, args: unknown[] = []): CallSpec => ({
  address: ctx.need('BondingManager'),
  abi: bondingManagerAbi,
  functionName,
  args,
});

function serviceRegistryFor(ctx: ChainContext, choice: true | Address): Address {
  const r = chooseAiServiceRegistry({ choice, chainId: ctx.publicClient.chain?.id, resolved: ctx.contracts });
  if (/^0x0{40}$/.test(r.address)) {
    throw new UsageError(`-aiServiceRegistry: this chain has no known AI service registry and the Controller ${ctx.controller} registers none; pass its address`);
  }
  return r.address;
}

export const chainOps: Record<string, ChainOp> = {
  status: {
    summary: 'rounds, pool size, and the account’s deposit, reserve, unlock, stake and fees',
    sends: false,
    flags: {
      address: { kind: 'string', description: 'account to report on (default: the key’s address)' },
      json: { kind: 'boolean', description: 'print one JSON object instead of lines' },
      spendWindowBlocks: { kind: 'bigint', description: 'blocks back to measure the spend rate (winning tickets redeemed against the account)', default: 7200n },
      redeemGas: { kind: 'bigint', description: 'the orchestrators’ gas per redemption, for the face value they ask', default: 1_200_000n },
      ticketEV: { kind: 'bigint', description: 'the orchestrators’ ticket EV in wei (go-livepeer -ticketEV)', default: 8_000_000_000n },
      dataDir: { kind: 'string', description: 'an orchestrator’s (or redeemer’s) data dir: report its winning tickets from its store' },
      datadir: { kind: 'string', description: 'go-livepeer’s spelling of -dataDir' },
      storeUrl: { kind: 'string', description: 'the PostgreSQL store of an orchestrator or redeemer, instead of -dataDir' },
    },
    async run(ctx, flags) {
      const who = flags.address !== undefined ? addressFlag('address', flags.address, '0x') : ctx.wallet?.account.address;
      const dataDir = (flags.dataDir ?? flags.datadir) as string | undefined;
      const storeUrl = flags.storeUrl as string | undefined;
      const store = dataDir || storeUrl ? { ...(dataDir ? { dataDir } : {}), ...(storeUrl ? { storeUrl } : {}) } : undefined;
      await chainStatus(ctx, who, { ...(store ? { store } : {}), json: flags.json === true, spendWindowBlocks: flags.spendWindowBlocks as bigint, redeemGas: flags.redeemGas as bigint, ticketEV: flags.ticketEV as bigint });
    },
  },
  'fund-deposit': {
    summary: 'add ETH to the TicketBroker deposit (-amount ETH)',
    sends: true,
    flags: { amount: { kind: 'string', description: 'ETH, decimal' } },
    async run(ctx, flags) {
      const v = parseAmount('amount', flags.amount, 'ETH');
      await send(ctx, broker(ctx, 'fundDeposit', [], v), `deposit +${formatWei(v)} ETH`);
    },
  },
  'fund-reserve': {
    summary: 'add ETH to the TicketBroker reserve (-amount ETH)',
    sends: true,
    flags: { amount: { kind: 'string', description: 'ETH, decimal' } },
    async run(ctx, flags) {
      const v = parseAmount('amount', flags.amount, 'ETH');
      await send(ctx, broker(ctx, 'fundReserve', [], v), `reserve +${formatWei(v)} ETH`);
    },
  },
  unlock: {
    summary: 'start the unlock period of the deposit and reserve',
    sends: true,
    flags: {},
    async run(ctx) {
      await send(ctx, broker(ctx, 'unlock'), 'unlock');
    },
  },
  'cancel-unlock': {
    summary: 'cancel an unlock in progress',
    sends: true,
    flags: {},
    async run(ctx) {
      await send(ctx, broker(ctx, 'cancelUnlock'), 'cancel unlock');
    },
  },
  withdraw: {
    summary: 'withdraw the deposit and reserve after the unlock period',
    sends: true,
    flags: {},
    async run(ctx) {
      await send(ctx, broker(ctx, 'withdraw'), 'withdraw');
    },
  },
  bond: {
    summary: 'approve and bond LPT (-amount LPT) to -to (default: yourself)',
    sends: true,
    flags: {
      amount: { kind: 'string', description: 'LPT, decimal' },
      to: { kind: 'string', description: 'delegate address (default: your own, i.e. self-bond)' },
    },
    async run(ctx, flags) {
      const amount = parseAmount('amount', flags.amount, 'LPT');
      const to = addressFlag('to', flags.to, me(ctx));
      const bm = ctx.need('BondingManager');
      const token = ctx.need('LivepeerToken');
      const allowance = await ctx.publicClient.readContract({ address: token, abi: livepeerTokenAbi, functionName: 'allowance', args: [me(ctx), bm] });
      if (allowance < amount) {
        await send(ctx, { address: token, abi: livepeerTokenAbi, functionName: 'approve', args: [bm, amount] }, `approve ${formatWei(amount)} LPT`);
      }
      await send(ctx, bonding(ctx, 'bond', [amount, to]), `bond ${formatWei(amount)} LPT to ${to}`);
    },
  },
  register: {
    summary: 'become an orchestrator: transcoder(-rewardCut %, -feeShare %) and -serviceURI',
    sends: true,
    flags: {
      rewardCut: { kind: 'string', description: 'percent of rewards you keep, e.g. 10' },
      feeShare: { kind: 'string', description: 'percent of fees passed to delegators, e.g. 0' },
      serviceURI: { kind: 'string', description: 'public https URI of the orchestrator (skipped when absent)' },
      aiServiceRegistry: {
        kind: 'string',
        description: "write -serviceURI to the AI service registry instead: true (bare) = the chain's (Arbitrum One: go-livepeer's 0x04C0…34C5; else the Controller's AIServiceRegistry), or its address",
      },
    },
    async run(ctx, flags) {
      const ai = parseAiServiceRegistryFlag(flags.aiServiceRegistry as string | undefined);
      // As go-livepeer with -aiServiceRegistry: the AI registry replaces the ServiceRegistry.
      const uri = typeof flags.serviceURI === 'string' ? flags.serviceURI : undefined;
      const sr = uri === undefined ? undefined : ai === undefined || ai === false ? ctx.need('ServiceRegistry') : serviceRegistryFor(ctx, ai);
      const rewardCut = parsePercent('rewardCut', flags.rewardCut);
      const feeShare = parsePercent('feeShare', flags.feeShare);
      const rm = ctx.need('RoundsManager');
      // As go-livepeer does: refuse client-side rather than pay for a certain revert.
      if (await ctx.publicClient.readContract({ address: rm, abi: roundsManagerAbi, functionName: 'currentRoundLocked' })) {
        throw new UsageError('the current round is locked (its last part); register again once the next round is initialised');
      }
      await send(ctx, bonding(ctx, 'transcoder', [rewardCut, feeShare]), `transcoder rewardCut ${rewardCut}/1e6 feeShare ${feeShare}/1e6`);
      if (uri !== undefined && sr !== undefined) {
        await send(ctx, { address: sr, abi: serviceRegistryAbi, functionName: 'setServiceURI', args: [uri] }, `service URI ${uri} in ${sr}`);
      }
    },
  },
  'withdraw-fees': {
    summary: 'withdraw earned fees (-amount ETH, default all) to -recipient (default: yourself)',
    sends: true,
    flags: {
      amount: { kind: 'string', description: 'ETH, decimal (default: all pending fees)' },
      recipient: { kind: 'string', description: 'where to send the ETH (default: your address)' },
    },
    async run(ctx, flags) {
      const recipient = addressFlag('recipient', flags.recipient, me(ctx));
      let amount: bigint;
      if (flags.amount === undefined) {
        const round = await ctx.publicClient.readContract({ address: ctx.need('RoundsManager'), abi: roundsManagerAbi, functionName: 'currentRound' });
        amount = await ctx.publicClient.readContract({ address: ctx.need('BondingManager'), abi: bondingManagerAbi, functionName: 'pendingFees', args: [me(ctx), round] });
        if (amount === 0n) throw new UsageError('no fees to withdraw (pendingFees is 0)');
      } else amount = parseAmount('amount', flags.amount, 'ETH');
      await send(ctx, bonding(ctx, 'withdrawFees', [recipient, amount]), `withdraw ${formatWei(amount)} ETH fees to ${recipient}`);
    },
  },
  'initialize-round': {
    summary: 'initialise the current round (-next: on a devnet, first mine to the next round)',
    sends: true,
    flags: { next: { kind: 'boolean', description: 'mine to the start of the next round first (anvil only)' } },
    async run(ctx, flags) {
      const rm = ctx.need('RoundsManager');
      const read = (functionName: 'currentRoundStartBlock' | 'roundLength' | 'currentRound') =>
        ctx.publicClient.readContract({ address: rm, abi: roundsManagerAbi, functionName });
      if (flags.next === true) {
        const [start, length, block] = await Promise.all([read('currentRoundStartBlock'), read('roundLength'), ctx.publicClient.getBlockNumber({ cacheTime: 0 })]);
        await rpcMine(ctx, start + length - block);
      }
      const round = await read('currentRound');
      await send(ctx, { address: rm, abi: roundsManagerAbi, functionName: 'initializeRound', args: [] }, `initialize round ${round}`);
    },
  },
  mine: {
    summary: 'mine -blocks empty blocks (anvil devnets only)',
    sends: false,
    flags: { blocks: { kind: 'bigint', description: 'how many blocks', default: 1n } },
    async run(ctx, flags) {
      const n = flags.blocks as bigint;
      await rpcMine(ctx, n);
      ctx.out(`mined ${n} block(s); head is ${await ctx.publicClient.getBlockNumber({ cacheTime: 0 })}`);
    },
  },
};
