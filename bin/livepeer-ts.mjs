#!/usr/bin/env node
// Entry point for `livepeer-ts` / `npx livepeer-ts`: the sources are TypeScript, run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
