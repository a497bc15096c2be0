// The package as an SDK user gets it: `npm pack` this repository, install the tarball into a fresh
// temporary project (outside the repository), and from there type-check a TypeScript consumer,
// refuse a consumer with a type error, run a JavaScript consumer that signs and verifies a ticket
// (checked against viem, an independent implementation), run every documented example, and run the
// installed CLI. Needs the build (dist/), which `npm test` runs first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodePacked, hashMessage, keccak256, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { FIXTURES } from './fixtures.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONSUMER_FILES = join(REPO, 'test', 'sdk-consumer');
const EXAMPLES = join(REPO, 'examples');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string; devDependencies: Record<string, string> };

function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', text: `${r.stdout ?? ''}\n${r.stderr ?? ''}` };
}

let work: string;
let app: string;
let packedFiles: string[] = [];

before(async () => {
  assert.ok(existsSync(join(REPO, 'dist', 'index.js')) && existsSync(join(REPO, 'dist', 'index.d.ts')), 'dist/ is missing: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'livepeer-ts-sdk-'));
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
  assert.equal(packed.code, 0, packed.text);
  const info = JSON.parse(packed.out) as { filename: string; files: { path: string }[] }[];
  packedFiles = info[0]!.files.map((f) => f.path);
  const tarball = join(work, info[0]!.filename);
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }, null, 2));
  const typesNode = pkg.devDependencies['@types/node'] ?? '20';
  // --ignore-scripts: better-sqlite3's install script fetches a prebuilt binary, and where it cannot
  // (no network, as here) compiles SQLite from source, minutes on 2 cores. Nothing below opens a
  // SQLite file; the repository's own build of the addon is copied in when the versions match, so the
  // installed tree is still a working one.
  const inst = run('npm', ['install', tarball, `@types/node@${typesNode}`, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], app, 300_000);
  assert.equal(inst.code, 0, inst.text);
  const sqliteVersion = (dir: string) => (JSON.parse(readFileSync(join(dir, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version;
  const builtAddon = join(REPO, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(builtAddon) && existsSync(join(app, 'node_modules', 'better-sqlite3')) && sqliteVersion(app) === sqliteVersion(REPO)) {
    mkdirSync(join(app, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
    copyFileSync(builtAddon, join(app, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  }
  for (const f of readdirSync(CONSUMER_FILES)) copyFileSync(join(CONSUMER_FILES, f), join(app, f));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack → install into a fresh project', () => {
  it('ships compiled JS, declarations, the CLI and the contract artifacts — no TypeScript sources, no tests', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/pm/index.d.ts', 'dist/money/index.js', 'dist/wire/index.d.ts', 'dist/market/index.js', 'bin/livepeer-ts.mjs', 'build/contracts/TicketBroker.json']) {
      assert.ok(packedFiles.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual(packedFiles.filter((f) => f.startsWith('src/') || /\.test\.(js|ts|d\.ts)$/.test(f) || f.startsWith('test/')), []);
    // What an SDK user installs runs without TypeScript tooling.
    assert.equal(existsSync(join(app, 'node_modules', 'tsx')), false, 'tsx is not installed for SDK users');
    assert.equal(existsSync(join(app, 'node_modules', 'solc')), false, 'solc is not installed for SDK users');
  });

  // One tsc run over both consumers (a full check of the installed declarations costs ~15 s of CPU):
  // the good one must have no error at all, the bad one exactly the errors it was written to have.
  let tscRun: ReturnType<typeof run> | undefined;
  const typeCheck = () => {
    if (!tscRun) {
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
          files: ['consumer.ts', 'type-error.ts'],
        }),
      );
      tscRun = run(process.execPath, [TSC, '-p', 'tsconfig.json', '--pretty', 'false'], app);
    }
    return tscRun;
  };
  const errorLines = (out: string) => out.split('\n').filter((l) => /: error TS\d+/.test(l));

  it('type-checks a strict TypeScript consumer against the installed declarations', () => {
    const r = typeCheck();
    assert.ok(r.code === 0 || r.code === 1 || r.code === 2, r.text);
    const elsewhere = errorLines(r.out).filter((l) => !l.startsWith('type-error.ts('));
    assert.deepEqual(elsewhere, [], r.text);
  });

  it('refuses a consumer with type errors (the declarations are real types, not any)', () => {
    const r = typeCheck();
    assert.notEqual(r.code, 0);
    const errs = errorLines(r.out);
    assert.ok(errs.some((l) => /^type-error\.ts\(4,\d+\): error TS2345/.test(l)), r.out);
    assert.ok(errs.some((l) => /^type-error\.ts\(5,\d+\): error TS2322/.test(l)), r.out);
  });

  it('runs a JavaScript consumer that signs a ticket and verifies it; viem agrees on hash and signature', () => {
    const key: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
    const recipient = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    const r = run(process.execPath, ['sign-verify.mjs', key, recipient, '12345'], app, 30_000);
    assert.equal(r.code, 0, r.text);
    const got = JSON.parse(r.out.trim()) as Record<string, unknown>;
    assert.ok(String(got.resolvedFrom).startsWith(`file://${join(app, 'node_modules', 'livepeer-ts')}`), `resolved from the installed copy: ${String(got.resolvedFrom)}`);
    const account = privateKeyToAccount(key);
    assert.equal(got.sender, account.address);
    // TicketBroker.getTicketHash: keccak256(abi.encodePacked(recipient, sender, faceValue, winProb, senderNonce, recipientRandHash, auxData)).
    const aux = encodePacked(['uint256', 'bytes32'], [42n, `0x${'cd'.repeat(32)}`]);
    const hash = keccak256(
      encodePacked(
        ['address', 'address', 'uint256', 'uint256', 'uint256', 'bytes32', 'bytes'],
        [recipient, account.address, 10n ** 15n, 2n ** 255n, 3n, `0x${'ab'.repeat(32)}`, aux],
      ),
    );
    assert.equal(got.hash, hash);
    assert.equal(got.verify, null, 'the signature verifies');
    assert.notEqual(got.verifyTampered, null, 'a tampered signature does not');
    assert.equal(got.recovered, account.address);
    return account.sign({ hash: hashMessage({ raw: hash }) }).then((sig) => {
      assert.equal(`0x${String(got.sig)}`, sig, 'same RFC 6979 signature as viem over the EIP-191 digest of the raw hash');
      // win = keccak256(sig ‖ uint256(recipientRand)) < winProb
      const win = BigInt(keccak256(encodePacked(['bytes', 'uint256'], [sig, 12345n]))) < 2n ** 255n;
      assert.equal(got.winning, win);
    });
  });

  it('runs every documented example (examples/*.mjs) against the installed package', () => {
    const examples = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((f) => f.endsWith('.mjs')) : [];
    for (const entry of ['money', 'pm', 'wire', 'market']) assert.ok(examples.includes(`${entry}.mjs`), `examples/${entry}.mjs exists`);
    mkdirSync(join(app, 'examples'), { recursive: true });
    for (const f of examples) {
      copyFileSync(join(EXAMPLES, f), join(app, 'examples', f));
      const r = run(process.execPath, [join('examples', f)], app, 30_000);
      assert.equal(r.code, 0, `examples/${f}: ${r.text}`);
    }
  });

  it('runs the installed CLI from dist/: version, and pm check over the ticket vectors', () => {
    const bin = join(app, 'node_modules', '.bin', 'livepeer-ts');
    const v = run(bin, ['version'], app, 30_000);
    assert.equal(v.code, 0, v.text);
    assert.match(v.out, new RegExp(`^livepeer-ts ${pkg.version.replace(/\./g, '\\.')} `));
    const vectors = readFileSync(join(FIXTURES, 'vectors', 'pm-tickets.jsonl'), 'utf8').trim().split('\n');
    const r = spawnSync(bin, ['pm', 'check'], { cwd: app, input: vectors.join('\n'), encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { hash: string; sigValid: boolean });
    assert.equal(lines.length, vectors.length);
    for (const [i, l] of lines.entries()) {
      const want = (JSON.parse(vectors[i]!) as { expect: { hash: string; sigValid: boolean } }).expect;
      assert.equal(l.hash, want.hash);
      assert.equal(l.sigValid, want.sigValid);
    }
  });
});
