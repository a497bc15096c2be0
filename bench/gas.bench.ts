// Gas of the protocol operations nodes pay for, measured from receipts on a devnet this script
// starts (base 21000 and calldata included, like the reference figures in contracts.md's appendix).
// Tickets are built and signed with src/pm. Progress lines first; the last line is one JSON object.
//   npm run bench:gas
import { parseEther, type Address, type Hex, type TransactionReceipt } from 'viem';
import { bondingManagerAbi, livepeerTokenAbi, roundsManagerAbi, serviceRegistryAbi, startDevnet, ticketBrokerAbi, type DevAccount, type Devnet } from '../src/eth/index.js';
import { bytesToHex, hexToBytes, keccak256, MAX_WIN_PROB, signTicketHash, ticketHashBytes, u256 } from '../src/pm/index.js';

/** Figures measured on the deployed contracts' code (contracts.md appendix), for comparison. */
const REFERENCE = {
  fundDepositAndReserveFirst: 107_904,
  fundDepositAndReserveTopUp: 73_704,
  redeemFirstEverForRecipient: 292_599,
  redeemRepeatInRound: 182_506,
  batchRedeemPerTicketAt10: [93_742, 97_994],
  rewardSteadyState: 521_264,
  bondNewDelegator: 462_484,
  bondFirstSelfBond: 641_495,
  transcoder: 137_996,
  setServiceURI: 59_576,
  initializeRoundSteadyState: 233_557,
};

const progress = (line: string) => console.log(`gas: ${line}`);

async function main(): Promise<void> {
  const dev = await startDevnet({ orchestrators: 3, gateways: 1, roundLength: 100n });
  try {
    await run(dev);
  } finally {
    await dev.stop();
  }
}

async function run(dev: Devnet): Promise<void> {
  const gas = (r: TransactionReceipt) => Number(r.gasUsed);
  const [deployer] = dev.accounts as [DevAccount];
  const orchs = dev.accounts.filter((a) => a.role === 'orchestrator');
  const users = dev.accounts.filter((a) => a.role === 'user');
  const tb = dev.contracts.TicketBroker;
  const bm = dev.contracts.BondingManager;
  const out: Record<string, unknown> = {};

  // Sender funding.
  const sender = users[0]!;
  const first = await dev.send(sender, { address: tb, abi: ticketBrokerAbi, functionName: 'fundDepositAndReserve', args: [parseEther('5'), parseEther('5')], value: parseEther('10') });
  const topUp = await dev.send(sender, { address: tb, abi: ticketBrokerAbi, functionName: 'fundDepositAndReserve', args: [parseEther('1'), parseEther('1')], value: parseEther('2') });
  out.fundDepositAndReserve = { first: gas(first), topUp: gas(topUp) };
  progress(`fundDepositAndReserve first ${gas(first)}, top-up ${gas(topUp)}`);

  // Rounds and reward: the first reward of an orchestrator, then a steady-state one next round.
  const init1 = await advance(dev, deployer);
  const reward1 = await dev.send(orchs[0]!, { address: bm, abi: bondingManagerAbi, functionName: 'reward' });
  const init2 = await advance(dev, deployer);
  const reward2 = await dev.send(orchs[0]!, { address: bm, abi: bondingManagerAbi, functionName: 'reward' });
  out.initializeRound = gas(init2);
  out.reward = { first: gas(reward1), steadyState: gas(reward2) };
  progress(`initializeRound ${gas(init1)} / ${gas(init2)}, reward first ${gas(reward1)}, steady ${gas(reward2)}`);

  // Redemption: orchestrator 1 has never received fees; then a repeat in the same round.
  const round = (await dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'lastInitializedRound' })) as bigint;
  const blockHash = (await dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] })) as Hex;
  let nonce = 0n;
  const ticketFor = (recipient: Address) => winningTicket(sender, recipient, round, blockHash, ++nonce);
  const redeem = (t: ReturnType<typeof ticketFor>) =>
    dev.send(orchs[1]!, { address: tb, abi: ticketBrokerAbi, functionName: 'redeemWinningTicket', args: [t.ticket, t.sig, t.rand] });
  const firstRedeem = await redeem(ticketFor(orchs[1]!.address));
  const repeatRedeem = await redeem(ticketFor(orchs[1]!.address));
  const repeatRedeem2 = await redeem(ticketFor(orchs[1]!.address));
  out.redeemWinningTicket = { firstForRecipient: gas(firstRedeem), repeatRecipient: gas(repeatRedeem), repeatRecipientAgain: gas(repeatRedeem2) };
  progress(`redeemWinningTicket first-ever recipient ${gas(firstRedeem)}, repeat ${gas(repeatRedeem)} / ${gas(repeatRedeem2)}`);

  const batch = Array.from({ length: 10 }, () => ticketFor(orchs[1]!.address));
  const batchReceipt = await dev.send(orchs[1]!, {
    address: tb,
    abi: ticketBrokerAbi,
    functionName: 'batchRedeemWinningTickets',
    args: [batch.map((t) => t.ticket), batch.map((t) => t.sig), batch.map((t) => t.rand)],
  });
  const redeemedLogs = batchReceipt.logs.filter((l) => l.address.toLowerCase() === tb.toLowerCase()).length;
  out.batchRedeemWinningTickets = { tickets: 10, total: gas(batchReceipt), perTicket: Math.round(gas(batchReceipt) / 10), ticketBrokerLogs: redeemedLogs };
  progress(`batchRedeemWinningTickets x10 total ${gas(batchReceipt)}, per ticket ${Math.round(gas(batchReceipt) / 10)} (${redeemedLogs} TicketBroker logs)`);

  // Bonding: a new delegator to an orchestrator, and a first self-bond (a new orchestrator).
  const delegator = users[1]!;
  const newOrch = users[2]!;
  await dev.send(delegator, { address: dev.contracts.LivepeerToken, abi: livepeerTokenAbi, functionName: 'approve', args: [bm, parseEther('100')] });
  const bondNew = await dev.send(delegator, { address: bm, abi: bondingManagerAbi, functionName: 'bond', args: [parseEther('100'), orchs[0]!.address] });
  await dev.send(newOrch, { address: dev.contracts.LivepeerToken, abi: livepeerTokenAbi, functionName: 'approve', args: [bm, parseEther('100')] });
  const bondSelf = await dev.send(newOrch, { address: bm, abi: bondingManagerAbi, functionName: 'bond', args: [parseEther('100'), newOrch.address] });
  const transcoder = await dev.send(newOrch, { address: bm, abi: bondingManagerAbi, functionName: 'transcoder', args: [100_000n, 0n] });
  const uri = await dev.send(newOrch, { address: dev.contracts.ServiceRegistry, abi: serviceRegistryAbi, functionName: 'setServiceURI', args: ['https://127.0.0.1:8999'] });
  out.bond = { newDelegator: gas(bondNew), firstSelfBond: gas(bondSelf) };
  out.transcoder = gas(transcoder);
  out.setServiceURI = gas(uri);
  progress(`bond new delegator ${gas(bondNew)}, first self-bond ${gas(bondSelf)}, transcoder ${gas(transcoder)}, setServiceURI ${gas(uri)}`);

  // Fees out, and the sender's exit.
  const fees = (await dev.publicClient.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'pendingFees', args: [orchs[1]!.address, round] })) as bigint;
  const withdrawFees = await dev.send(orchs[1]!, { address: bm, abi: bondingManagerAbi, functionName: 'withdrawFees', args: [orchs[1]!.address, fees] });
  const unlock = await dev.send(sender, { address: tb, abi: ticketBrokerAbi, functionName: 'unlock' });
  for (let i = 0; i < Number(dev.params.unlockPeriod); i++) await advance(dev, deployer);
  const withdraw = await dev.send(sender, { address: tb, abi: ticketBrokerAbi, functionName: 'withdraw' });
  out.withdrawFees = gas(withdrawFees);
  out.unlock = gas(unlock);
  out.withdraw = gas(withdraw);
  progress(`withdrawFees ${gas(withdrawFees)}, unlock ${gas(unlock)}, withdraw ${gas(withdraw)}`);

  console.log(JSON.stringify({ metric: 'gas', unit: 'gasUsed', ...out, reference: REFERENCE }));
}

async function advance(dev: Devnet, who: DevAccount): Promise<TransactionReceipt> {
  await dev.mineToNextRound();
  return dev.send(who, { address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'initializeRound' });
}

/** An always-winning ticket from `sender` to `recipient`, hashed and signed by src/pm. */
function winningTicket(sender: DevAccount, recipient: Address, creationRound: bigint, creationRoundBlockHash: Hex, senderNonce: bigint) {
  const rand = 1000n + senderNonce;
  const recipientRandHash = bytesToHex(keccak256(u256(rand)));
  const fields = {
    recipient,
    sender: sender.address,
    faceValue: parseEther('0.001'),
    winProb: MAX_WIN_PROB,
    senderNonce,
    recipientRandHash,
    creationRound,
    creationRoundBlockHash,
  };
  const sig = bytesToHex(signTicketHash(ticketHashBytes(fields), hexToBytes(sender.privateKey)));
  const auxData = `0x${creationRound.toString(16).padStart(64, '0')}${creationRoundBlockHash.slice(2)}` as Hex;
  return {
    ticket: { recipient, sender: sender.address, faceValue: fields.faceValue, winProb: fields.winProb, senderNonce, recipientRandHash, auxData },
    sig,
    rand,
  };
}

await main();
