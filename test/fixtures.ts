// Test fixtures inside the repository (test/fixtures/: golden ABIs of the deployed contracts, PM ticket
// vectors; see its README for their sources). Nothing a test reads lives outside the repository.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Abi } from 'viem';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** A golden ABI (the deployed contract's), e.g. goldenAbi('ticketBroker'); plain arrays and {abi} files both work. */
export function goldenAbi(name: string): Abi {
  const raw = JSON.parse(readFileSync(fixturePath('abi', `${name.replace(/\.json$/, '')}.json`), 'utf8')) as Abi | { abi: Abi };
  return Array.isArray(raw) ? raw : (raw as { abi: Abi }).abi;
}

export const PM_VECTORS = fixturePath('vectors', 'pm-tickets.jsonl');
