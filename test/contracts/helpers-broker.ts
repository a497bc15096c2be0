// Helpers for the TicketBroker tests: a devnet started through src/eth, the golden ABIs, fresh funded
// sender keys, ticket construction and signing (viem, independent of src/pm), signature mangling
// (high-s, EIP-2098 compact, odd v) and revert-reason assertions.
import assert from 'node:assert/strict';
import {
  BaseError,
  ContractFunctionRevertedError,
  concatHex,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeAbiParameters,
  keccak256,
  numberToHex,
  parseEventLogs,
  toHex,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem';
import { rpcTransport } from '../../src/eth/rpc-transport.js';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { startDevnet, waitForReceipt } from '../../src/eth/index.js';
import { goldenAbi } from '../fixtures.js';


/** The golden (deployed) ABIs: every call in these tests goes through them. */
export const abis = {
  ticketBroker: goldenAbi('ticketBroker'),
  bondingManager: goldenAbi('bondingManager'),
  roundsManager: goldenAbi('roundsManager'),
  controller: goldenAbi('controller'),
};

export const MAX_UINT256 = (1n << 256n) - 1n;
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface Ticket {
  recipient: Address;
  sender: Address;
  faceValue: bigint;
  winProb: bigint;
  senderNonce: bigint;
  recipientRandHash: Hex;
  auxData: Hex;
}


export async function startBrokerDevnet(opts: { orchestrators?: number } = {}) {
  const devnet = await startDevnet({ orchestrators: opts.orchestrators ?? 2 });
  const chain = devnet.chain;
  const transport = rpcTransport(devnet.rpcUrl);
  const pub = createPublicClient({ chain, transport, pollingInterval: 20 });
  const test = createTestClient({ chain, transport, mode: 'anvil', pollingInterval: 20 });
  const addr = {
    broker: devnet.contracts.TicketBroker,
    bonding: devnet.contracts.BondingManager,
    rounds: devnet.contracts.RoundsManager,
    minter: devnet.contracts.Minter,
    controller: devnet.controller,
  };
  assert.notEqual(addr.broker, zeroAddress, 'TicketBroker was not deployed (build/contracts/TicketBroker.json missing)');

  const read = <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
    pub.readContract({ address, abi, functionName, args }) as Promise<T>;
  const broker = <T>(functionName: string, args: readonly unknown[] = []) =>
    read<T>(addr.broker, abis.ticketBroker, functionName, args);
  const bonding = <T>(functionName: string, args: readonly unknown[] = []) =>
    read<T>(addr.bonding, abis.bondingManager, functionName, args);
  const rounds = <T>(functionName: string, args: readonly unknown[] = []) =>
    read<T>(addr.rounds, abis.roundsManager, functionName, args);

  /** A wallet for a local key, or for an impersonated address (anvil signs for it). */
  const wallet = (account: PrivateKeyAccount | Address) =>
    createWalletClient({ chain, transport, account, pollingInterval: 20 });

  async function send(
    from: PrivateKeyAccount | Address,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
    value?: bigint,
  ): Promise<TransactionReceipt> {
    if (typeof from === 'string') await test.impersonateAccount({ address: from });
    const w = wallet(from);
    const hash = await w.writeContract({ address, abi, functionName, args, value, chain, account: w.account });
    const receipt = await waitForReceipt(pub, hash);
    assert.equal(receipt.status, 'success', `${functionName} transaction reverted`);
    return receipt;
  }

  /** Simulates the call and asserts it reverts with exactly `reason`. */
  async function expectRevert(
    from: Address,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
    reason: string,
    value?: bigint,
  ): Promise<void> {
    try {
      await pub.simulateContract({ address, abi, functionName, args, account: from, value });
    } catch (err) {
      assert.equal(revertReason(err), reason, `${functionName}: unexpected revert`);
      return;
    }
    assert.fail(`${functionName} did not revert (expected "${reason}")`);
  }

  const owner = await read<Address>(addr.controller, abis.controller, 'owner');

  /** A fresh key holding `eth` wei, with its private key (for signers other than viem). */
  async function newKey(eth = 10n ** 21n): Promise<{ account: PrivateKeyAccount; privateKey: Hex }> {
    const privateKey = generatePrivateKey();
    const account = privateKeyToAccount(privateKey);
    await test.setBalance({ address: account.address, value: eth });
    return { account, privateKey };
  }

  /** A fresh sender account holding `eth` wei. */
  const newAccount = async (eth = 10n ** 21n): Promise<PrivateKeyAccount> => (await newKey(eth)).account;

  /** Every pool member that is active this round, in pool order. */
  async function activeOrchestrators(): Promise<Address[]> {
    const zero = '0x0000000000000000000000000000000000000000';
    const out: Address[] = [];
    let cur = await bonding<Address>('getFirstTranscoderInPool');
    for (let i = 0; i < 200 && cur !== zero; i++) {
      if (await bonding<boolean>('isActiveTranscoder', [cur])) out.push(cur);
      cur = await bonding<Address>('getNextTranscoderInPool', [cur]);
    }
    return out;
  }

  /** The current round, initialised (advances one round when the devnet left it uninitialised). */
  async function initializedRound(): Promise<bigint> {
    if (!(await rounds<boolean>('currentRoundInitialized'))) await devnet.advanceRounds(1);
    return rounds<bigint>('currentRound');
  }

  /** auxData for `round` with the block hash RoundsManager recorded for it. */
  async function auxDataFor(round: bigint, hash?: Hex): Promise<Hex> {
    const h = hash ?? (await rounds<Hex>('blockHashForRound', [round]));
    return encodeAbiParameters([{ type: 'uint256' }, { type: 'bytes32' }], [round, h]);
  }

  return {
    devnet,
    pub,
    test,
    addr,
    owner,
    broker,
    bonding,
    rounds,
    send,
    expectRevert,
    newAccount,
    newKey,
    activeOrchestrators,
    initializedRound,
    auxDataFor,
    /** Broker write from `from`. */
    brokerTx: (from: PrivateKeyAccount | Address, fn: string, args: readonly unknown[] = [], value?: bigint) =>
      send(from, addr.broker, abis.ticketBroker, fn, args, value),
    brokerRevert: (from: Address, fn: string, args: readonly unknown[], reason: string, value?: bigint) =>
      expectRevert(from, addr.broker, abis.ticketBroker, fn, args, reason, value),
    /** TicketBroker events in a receipt, decoded with the golden ABI. */
    brokerEvents: (receipt: TransactionReceipt) =>
      parseEventLogs({ abi: abis.ticketBroker, logs: receipt.logs.filter((l) => sameAddr(l.address, addr.broker)) }),
    balance: (address: Address) => pub.getBalance({ address }),
    senderInfo: async (sender: Address) => {
      const [s, r] = await broker<[{ deposit: bigint; withdrawRound: bigint }, { fundsRemaining: bigint; claimedInCurrentRound: bigint }]>(
        'getSenderInfo',
        [sender],
      );
      return { deposit: s.deposit, withdrawRound: s.withdrawRound, reserve: r.fundsRemaining, claimed: r.claimedInCurrentRound };
    },
    stop: () => devnet.stop(),
  };
}

export type BrokerEnv = Awaited<ReturnType<typeof startBrokerDevnet>>;

export function sameAddr(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The reason string of a contract revert anywhere in a viem error chain. */
export function revertReason(err: unknown): string {
  if (err instanceof BaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      return revert.reason ?? revert.data?.errorName ?? revert.shortMessage;
    }
    return err.shortMessage;
  }
  return String(err);
}

/** A random recipientRand and its commitment keccak256(uint256(rand)). */
export function newRecipientRand(): { rand: bigint; hash: Hex } {
  const rand = BigInt(keccak256(generatePrivateKey()));
  return { rand, hash: keccak256(numberToHex(rand, { size: 32 })) };
}

/** Packed hash, computed here without the contract or src/pm (pm.md §1.3). */
export function packedTicketHash(t: Ticket): Hex {
  return keccak256(
    concatHex([
      t.recipient,
      t.sender,
      numberToHex(t.faceValue, { size: 32 }),
      numberToHex(t.winProb, { size: 32 }),
      numberToHex(t.senderNonce, { size: 32 }),
      t.recipientRandHash,
      t.auxData,
    ]),
  );
}

/** EIP-191 personal_sign over the 32 raw bytes of the ticket hash, with viem. */
export function signTicketViem(account: PrivateKeyAccount, ticketHash: Hex): Promise<Hex> {
  return account.signMessage({ message: { raw: ticketHash } });
}

function splitSig(sig: Hex): { r: bigint; s: bigint; v: number } {
  assert.equal(sig.length, 2 + 130, 'expected a 65-byte signature');
  return {
    r: BigInt(`0x${sig.slice(2, 66)}`),
    s: BigInt(`0x${sig.slice(66, 130)}`),
    v: Number.parseInt(sig.slice(130, 132), 16),
  };
}

function joinSig(r: bigint, s: bigint, v: number): Hex {
  return concatHex([numberToHex(r, { size: 32 }), numberToHex(s, { size: 32 }), toHex(v, { size: 1 })]);
}

/** The malleated twin (r, n − s, v ^ 1): recovers the same signer, but s is high. */
export function highS(sig: Hex): Hex {
  const { r, s, v } = splitSig(sig);
  return joinSig(r, SECP256K1_N - s, v === 27 ? 28 : 27);
}

/** EIP-2098 compact 64-byte form: r ‖ (yParity << 255 | s). */
export function compact(sig: Hex): Hex {
  const { r, s, v } = splitSig(sig);
  return concatHex([numberToHex(r, { size: 32 }), numberToHex((BigInt(v - 27) << 255n) | s, { size: 32 })]);
}

export function withV(sig: Hex, v: number): Hex {
  const { r, s } = splitSig(sig);
  return joinSig(r, s, v);
}

/** Whether the lottery draw keccak256(sig ‖ uint256(rand)) is below winProb. */
export function wins(sig: Hex, rand: bigint, winProb: bigint): boolean {
  return BigInt(keccak256(concatHex([sig, numberToHex(rand, { size: 32 })]))) < winProb;
}

export interface SignedTicket {
  ticket: Ticket;
  hash: Hex;
  sig: Hex;
  rand: bigint;
}

/**
 * A ticket from `sender` to `recipient` created in `round` (default: the current, initialised round,
 * with its recorded block hash), signed with viem. Defaults: always wins, fresh recipientRand, nonce 1.
 */
export async function makeTicket(
  env: BrokerEnv,
  sender: PrivateKeyAccount,
  recipient: Address,
  opts: { faceValue?: bigint; winProb?: bigint; nonce?: bigint; round?: bigint; blockHash?: Hex; auxData?: Hex } = {},
): Promise<SignedTicket> {
  const round = opts.round ?? (await env.initializedRound());
  const { rand, hash: recipientRandHash } = newRecipientRand();
  const ticket: Ticket = {
    recipient,
    sender: sender.address,
    faceValue: opts.faceValue ?? 1000n,
    winProb: opts.winProb ?? MAX_UINT256,
    senderNonce: opts.nonce ?? 1n,
    recipientRandHash,
    auxData: opts.auxData ?? (await env.auxDataFor(round, opts.blockHash)),
  };
  const hash = packedTicketHash(ticket);
  const sig = await signTicketViem(sender, hash);
  return { ticket, hash, sig, rand };
}

/** The argument list of redeemWinningTicket. */
export const redeemArgs = (t: SignedTicket, sig: Hex = t.sig, rand: bigint = t.rand) => [t.ticket, sig, rand] as const;
