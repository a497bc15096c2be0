#!/usr/bin/env node
// Generates TypeScript from src/wire/proto/**/*.proto with buf + protoc-gen-es (local plugin, no
// network) into src/wire/gen/ (git-ignored). Skips work when the inputs (schemas, buf config, plugin
// and runtime versions) hash to the stamp of the last build and every generated file is present.
// Output is generated into a temp dir first and each file is moved in with an atomic rename, so a
// concurrent reader (another test run) never sees a half-written file. `--force` regenerates.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'src', 'wire', 'proto');
const genRel = join('src', 'wire', 'gen');
const genDir = join(root, genRel);
const stampFile = join(genDir, '.stamp');

function listFiles(dir, suffix, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

function pkgVersion(name) {
  const p = join(root, 'node_modules', ...name.split('/'), 'package.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).version : 'missing';
}

const inputs = [...listFiles(protoDir, '.proto'), join(root, 'buf.yaml'), join(root, 'buf.gen.yaml')];
const hash = createHash('sha256');
for (const name of ['@bufbuild/buf', '@bufbuild/protoc-gen-es', '@bufbuild/protobuf']) {
  hash.update(`${name}@${pkgVersion(name)}\0`);
}
for (const f of inputs) {
  hash.update(relative(root, f).split(sep).join('/')).update('\0').update(readFileSync(f)).update('\0');
}
const digest = hash.digest('hex');

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

const force = process.argv.includes('--force');
const stamp = readStamp();
if (
  !force &&
  stamp?.digest === digest &&
  Array.isArray(stamp.files) &&
  stamp.files.every((f) => existsSync(join(genDir, f)))
) {
  console.error(`proto: up to date (${stamp.files.length} generated files)`);
  process.exit(0);
}

const buf = join(root, 'node_modules', '@bufbuild', 'buf', 'bin', 'buf');
const plugin = join(root, 'node_modules', '.bin', 'protoc-gen-es');
if (!existsSync(buf) || !existsSync(plugin)) {
  // Dev dependencies absent (e.g. a production install): keep what was generated before, if anything.
  const have = Array.isArray(stamp?.files) && stamp.files.length > 0 && stamp.files.every((f) => existsSync(join(genDir, f)));
  console.error(
    have
      ? 'proto: @bufbuild/buf or protoc-gen-es not installed; keeping the existing src/wire/gen'
      : 'proto: @bufbuild/buf and @bufbuild/protoc-gen-es are needed to generate src/wire/gen: run `npm install` (with dev dependencies)',
  );
  process.exit(have ? 0 : 1);
}

const started = Date.now();
const tmp = mkdtempSync(join(tmpdir(), 'livepeer-ts-proto-'));
try {
  const res = spawnSync(process.execPath, [buf, 'generate', '--template', 'buf.gen.yaml', '-o', tmp], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.status !== 0) {
    process.stderr.write(res.stderr ?? '');
    console.error(`proto: buf generate failed (${res.error?.message ?? `exit ${res.status}`})`);
    process.exit(1);
  }
  const outRoot = join(tmp, genRel);
  const generated = existsSync(outRoot) ? listFiles(outRoot, '.ts') : [];
  if (generated.length === 0) {
    console.error('proto: buf generate produced no files');
    process.exit(1);
  }
  const files = generated.map((f) => relative(outRoot, f).split(sep).join('/'));
  for (const rel of files) {
    const dest = join(genDir, rel);
    mkdirSync(dirname(dest), { recursive: true });
    const staged = `${dest}.${process.pid}.tmp`;
    writeFileSync(staged, readFileSync(join(outRoot, rel)));
    renameSync(staged, dest);
  }
  // Remove generated files whose .proto no longer exists.
  const keep = new Set(files);
  for (const f of existsSync(genDir) ? listFiles(genDir, '.ts') : []) {
    const rel = relative(genDir, f).split(sep).join('/');
    if (!keep.has(rel)) rmSync(f, { force: true });
  }
  const stagedStamp = `${stampFile}.${process.pid}.tmp`;
  writeFileSync(stagedStamp, JSON.stringify({ digest, files }) + '\n');
  renameSync(stagedStamp, stampFile);
  console.error(`proto: generated ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
