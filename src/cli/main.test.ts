// CLI habits: go-livepeer's mode flags, -h / -help / --help on every command, bare command groups,
// version. In-process through main() (each case is a whole command line), plus one real process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from './main.js';

const BIN = fileURLToPath(new URL('../../bin/livepeer-ts.mjs', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const COMMANDS: [string, RegExp][] = [
  ['demo', /^usage: livepeer-ts demo /],
  ['devnet', /^usage: livepeer-ts devnet /],
  ['orchestrator', /^usage: livepeer-ts orchestrator /],
  ['redeemer', /^usage: livepeer-ts redeemer /],
  ['gateway', /^usage: livepeer-ts gateway /],
  ['runner', /^usage: livepeer-ts runner /],
  ['chain', /^usage: livepeer-ts chain <subcommand>/],
  ['pm', /^usage: livepeer-ts pm <subcommand>/],
  ['chain status', /^usage: livepeer-ts chain status /],
  ['chain fund-deposit', /^usage: livepeer-ts chain fund-deposit /],
  ['pm check', /^usage: livepeer-ts pm check /],
];

describe('livepeer-ts help flags', () => {
  for (const [command, usage] of COMMANDS) {
    for (const flag of ['-h', '-help', '--help']) {
      it(`${command} ${flag} prints its usage and exits 0`, async () => {
        const r = await cli([...command.split(' '), flag]);
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, usage);
      });
    }
  }

  for (const args of [[], ['help'], ['-h'], ['-help'], ['--help']]) {
    it(`livepeer-ts ${args.join(' ') || '(nothing)'} lists the commands and exits 0`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 0);
      assert.match(r.out, /^usage: livepeer-ts <command>/);
      for (const name of ['demo', 'devnet', 'chain', 'orchestrator', 'redeemer', 'gateway', 'runner', 'pm', 'version']) assert.match(r.out, new RegExp(`\\n  ${name} `));
    });
  }

  for (const group of ['chain', 'pm']) {
    it(`a bare "${group}" prints its subcommands and exits 0`, async () => {
      const r = await cli([group]);
      assert.equal(r.code, 0);
      assert.match(r.out, /subcommands?/);
    });
  }

  it('an unknown command or flag is a usage error (exit 2) naming it', async () => {
    const a = await cli(['transcode']);
    assert.equal(a.code, 2);
    assert.match(a.err, /unknown command "transcode"/);
    const b = await cli(['gateway', '-orchAdr', 'x']);
    assert.equal(b.code, 2);
    assert.match(b.err, /unknown flag -orchAdr/);
  });
});

describe('go-livepeer mode flags', () => {
  for (const [args, usage] of [
    [['-gateway', '-h'], /^usage: livepeer-ts gateway /],
    [['--gateway', '--help'], /^usage: livepeer-ts gateway /],
    [['-broadcaster', '-help'], /^usage: livepeer-ts gateway /],
    [['-orchestrator', '-h'], /^usage: livepeer-ts orchestrator /],
    [['-orchestrator=true', '-h'], /^usage: livepeer-ts orchestrator /],
    [['-redeemer', '-h'], /^usage: livepeer-ts redeemer /],
    // The mode flag may come anywhere on the line, as with go-livepeer.
    [['-network', 'offchain', '-gateway', '-h'], /^usage: livepeer-ts gateway /],
  ] as [string[], RegExp][]) {
    it(`livepeer-ts ${args.join(' ')} is the ${/livepeer-ts (\w+)/.exec(String(usage))![1]} command`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, usage);
    });
  }

  it('flags after the mode flag reach the command (an unknown one is named)', async () => {
    const r = await cli(['-gateway', '-nosuchflag']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown flag -nosuchflag/);
  });

  it('two different modes are refused', async () => {
    const r = await cli(['-gateway', '-orchestrator']);
    assert.equal(r.code, 2);
    assert.match(r.err, /different modes/);
  });
});

describe('livepeer-ts redeemer flags', () => {
  for (const [args, err] of [
    [['redeemer'], /-ethUrl is required/],
    [['redeemer', '-ethUrl', 'http://127.0.0.1:1', '-httpAddr', '127.0.0.1:1', '-redeemerAddr', '127.0.0.1:2'], /both name the listen address/],
  ] as [string[], RegExp][]) {
    it(`${args.join(' ')}: usage error (exit 2)`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 2);
      assert.match(r.err, err);
    });
  }

  for (const [args, err] of [
    [['-network', 'offchain'], /-network offchain has nothing to redeem/],
    [[], /-ethController is required/],
    [['-ethController', '0x0000000000000000000000000000000000000001'], /needs the key that pays for redemptions/],
  ] as [string[], RegExp][]) {
    it(`redeemer ${args.join(' ') || '(no controller)'}: refused before any connection (exit 1)`, async () => {
      const key = process.env.LIVEPEER_TS_PRIVATE_KEY;
      delete process.env.LIVEPEER_TS_PRIVATE_KEY;
      try {
        const r = await cli(['redeemer', '-ethUrl', 'http://127.0.0.1:1', ...args]);
        assert.equal(r.code, 1);
        assert.match(r.err, err);
      } finally {
        if (key !== undefined) process.env.LIVEPEER_TS_PRIVATE_KEY = key;
      }
    });
  }
});

describe('livepeer-ts version', () => {
  for (const v of ['version', '-version', '--version']) {
    it(`${v} prints the package version`, async () => {
      const r = await cli([v]);
      assert.equal(r.code, 0);
      assert.equal(r.out, `livepeer-ts ${VERSION} (node ${process.version})`);
    });
  }

  it('works as a real process through bin/livepeer-ts.mjs', () => {
    const r = spawnSync(process.execPath, [BIN, 'version'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `livepeer-ts ${VERSION} (node ${process.version})`);
  });
});
