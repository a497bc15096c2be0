// Compiled contracts: build/contracts/<Name>.json as written by scripts/build-contracts.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi, Hex } from 'viem';
import { EthError } from './errors.js';

export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifactsDir = join(root, 'build', 'contracts');

export function hasArtifact(name: string): boolean {
  return existsSync(join(artifactsDir, `${name}.json`));
}

/** Loads build/contracts/<name>.json; throws ARTIFACT_MISSING (with the build command) when absent. */
export function artifact(name: string): Artifact {
  const p = join(artifactsDir, `${name}.json`);
  if (!existsSync(p)) {
    throw new EthError('ARTIFACT_MISSING', `no compiled contract ${name} at ${p}; run \`npm run build\` (node scripts/build-contracts.mjs)`);
  }
  return JSON.parse(readFileSync(p, 'utf8')) as Artifact;
}

/**
 * Compiles the contracts when sources changed since the last build (the build script keeps a stamp,
 * so this is cheap when nothing changed). Uses `flock` when available so concurrent builds in one
 * checkout do not clobber each other's output.
 */
export function ensureContractsBuilt(log: (line: string) => void = () => {}): void {
  const script = join(root, 'scripts', 'build-contracts.mjs');
  // An installed package ships the compiled artifacts and neither the sources nor the compiler.
  if (!existsSync(join(root, 'contracts')) || !existsSync(script)) {
    if (hasArtifact('TicketBroker')) return;
    throw new EthError('ARTIFACT_MISSING', `no compiled contracts in ${artifactsDir} and no sources to compile them from; reinstall the package`);
  }
  const hasFlock = spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0;
  const [cmd, args] = hasFlock
    ? ['flock', ['/tmp/solc.lock', process.execPath, script, '--quiet']]
    : [process.execPath, [script, '--quiet']];
  const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  for (const line of `${res.stderr ?? ''}`.split('\n')) if (line.trim()) log(line);
  if (res.status !== 0) {
    throw new EthError('DEPLOY_FAILED', `compiling the contracts failed (exit ${res.status}); run \`npm run build\` to see why`);
  }
}
