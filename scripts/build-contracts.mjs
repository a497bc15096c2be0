#!/usr/bin/env node
// Compiles contracts/**/*.sol with solcjs (npm `solc`, no compiler download) into
// build/contracts/<ContractName>.json = { contractName, sourceName, abi, bytecode, deployedBytecode }.
// Skips work when no source changed since the last build (hash of all sources + compiler version).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'contracts');
const outDir = join(root, 'build', 'contracts');
const stampFile = join(outDir, '.stamp');

function listSol(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listSol(p, out);
    else if (name.endsWith('.sol')) out.push(p);
  }
  return out;
}

// `--check <dir>`: compile only the sources under <dir> (and what they import), write nothing.
// Lets one contract be checked while another folder is mid-edit.
const checkIdx = process.argv.indexOf('--check');
const checkDir = checkIdx >= 0 ? join(root, process.argv[checkIdx + 1] ?? '') : undefined;
const files = listSol(checkDir ?? srcDir);
const sources = {};
const hash = createHash('sha256').update(solc.version());
for (const f of files) {
  const key = relative(srcDir, f).split(sep).join('/');
  const content = readFileSync(f, 'utf8');
  sources[key] = { content };
  hash.update(key).update('\0').update(content).update('\0');
}
const stamp = hash.digest('hex');
const force = process.argv.includes('--force');
if (!force && !checkDir && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.error(`contracts: up to date (${files.length} sources)`);
  process.exit(0);
}

console.error(`contracts: compiling ${files.length} sources with solc ${solc.version()} …`);
const started = Date.now();
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'paris',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const output = JSON.parse(
  solc.compile(JSON.stringify(input), {
    import: (path) => {
      const p = join(srcDir, path);
      return existsSync(p) ? { contents: readFileSync(p, 'utf8') } : { error: `not found: ${path}` };
    },
  }),
);
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const e of output.errors ?? []) {
  if (e.severity !== 'error' && !process.argv.includes('--quiet')) console.error(e.formattedMessage);
}
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  console.error(`contracts: ${errors.length} compile error(s)`);
  process.exit(1);
}
if (checkDir) {
  console.error(`contracts: ${relative(root, checkDir)} compiles (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(0);
}
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [sourceName, contracts] of Object.entries(output.contracts ?? {})) {
  for (const [contractName, c] of Object.entries(contracts)) {
    const bytecode = c.evm?.bytecode?.object ?? '';
    if (!bytecode) continue; // interfaces and abstract contracts
    writeFileSync(
      join(outDir, `${contractName}.json`),
      JSON.stringify({
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: `0x${bytecode}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      }),
    );
    count++;
  }
}
writeFileSync(stampFile, stamp);
console.error(`contracts: wrote ${count} artifacts to build/contracts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
