// The project's shared facts live beside the repository (../shared: golden ABIs, ticket vectors),
// both in a developer's checkout and in CI's fresh clone. LIVEPEER_TS_SHARED overrides the location.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi } from 'viem';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

export function sharedPath(...parts: string[]): string {
  return join(process.env.LIVEPEER_TS_SHARED ?? resolve(REPO, '..', 'shared'), ...parts);
}

/** A golden ABI (the deployed contract's), e.g. goldenAbi('ticketBroker'); plain arrays and {abi} files both work. */
export function goldenAbi(name: string): Abi {
  const raw = JSON.parse(readFileSync(sharedPath('abi', `${name.replace(/\.json$/, '')}.json`), 'utf8')) as Abi | { abi: Abi };
  return Array.isArray(raw) ? raw : (raw as { abi: Abi }).abi;
}

export const PM_VECTORS = sharedPath('vectors', 'pm-tickets.jsonl');
