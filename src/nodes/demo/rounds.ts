import { roundsManagerAbi, type Devnet } from '../../eth/index.js';

/** Initialises the current round when mining crossed a round boundary (tickets need an initialised round to redeem). */
export async function initializeRoundIfNeeded(devnet: Devnet): Promise<void> {
  const initialized = await devnet.publicClient.readContract({
    address: devnet.contracts.RoundsManager,
    abi: roundsManagerAbi,
    functionName: 'currentRoundInitialized',
  });
  if (initialized) return;
  const deployer = devnet.accounts.find((a) => a.role === 'deployer')!;
  await devnet.send(deployer, { address: devnet.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'initializeRound', args: [] });
}
