// `livepeer-ts devnet` and `livepeer-ts chain` as separate processes: the devnet prints its JSON line
// in time and stops cleanly on SIGTERM; chain subcommands act on it through the Controller only.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/index.js';
import { winningTicket } from '../src/store/testkit.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'livepeer-ts.mjs');

interface DevnetLine {
  rpcUrl: string;
  chainId: number;
  controller: string;
  contracts: Record<string, string>;
  accounts: { address: string; privateKey: string; role: string }[];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `livepeer-ts chain …` to completion (bounded by a 60 s kill). */
async function chain(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'chain', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killer);
  return { code: code ?? -1, stdout, stderr };
}

let devnet: ChildProcess;
let info: DevnetLine;
let anvilPid: number | undefined;
let stderrText = '';

before(async () => {
  devnet = spawn(process.execPath, [bin, 'devnet', '-port', '0', '-orchestrators', '2', '-gateways', '1', '-roundLength', '30'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  devnet.stderr!.on('data', (d: Buffer) => {
    stderrText += d.toString();
    const m = /anvil on \S+ \(pid (\d+)\)/.exec(stderrText);
    if (m) anvilPid = Number(m[1]);
  });
  let buf = '';
  const line = await new Promise<string>((resolve, reject) => {
    // The brief's budget for the first line on this machine.
    const t = setTimeout(() => reject(new Error(`no JSON line within 30 s; stderr:\n${stderrText}`)), 30_000);
    devnet.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(buf.slice(0, nl));
      }
    });
    devnet.once('exit', (code) => reject(new Error(`devnet exited with ${code}: ${stderrText}`)));
  });
  info = JSON.parse(line) as DevnetLine;
});

after(async () => {
  if (devnet && devnet.exitCode === null) {
    devnet.kill('SIGKILL');
    await once(devnet, 'exit');
  }
  if (anvilPid && pidAlive(anvilPid)) process.kill(anvilPid, 'SIGKILL');
});

const common = () => ['-ethUrl', info.rpcUrl, '-ethController', info.controller];
const keyOf = (role: string, i = 0) => info.accounts.filter((a) => a.role === role)[i]!;

async function status(address: string): Promise<Record<string, string>> {
  const r = await chain(['status', ...common(), '-address', address, '-json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>;
}

describe('livepeer-ts devnet', () => {
  it('prints one JSON line with the network description', () => {
    assert.match(info.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.chainId, 31337);
    for (const name of ['BondingManager', 'TicketBroker', 'RoundsManager', 'Minter', 'LivepeerToken', 'ServiceRegistry', 'AIServiceRegistry']) {
      assert.match(info.contracts[name] ?? '', /^0x[0-9a-fA-F]{40}$/, name);
    }
    assert.deepEqual(
      info.accounts.slice(0, 4).map((a) => a.role),
      ['deployer', 'orchestrator', 'orchestrator', 'gateway'],
    );
    for (const a of info.accounts) assert.match(a.privateKey, /^0x[0-9a-f]{64}$/);
  });
});

describe('livepeer-ts chain', () => {
  it('status shows round and the gateway’s deposit and reserve', async () => {
    const s = await status(keyOf('gateway').address);
    assert.equal(s.roundInitialized, true);
    assert.equal(s.deposit, (10n ** 18n).toString());
    assert.equal(s.reserve, (10n ** 18n).toString());
    assert.equal(s.poolSize, '2');
    const o = await status(keyOf('orchestrator').address);
    assert.equal(o.registeredTranscoder, true);
    assert.equal(o.activeTranscoder, true);
  });

  it('status advises a gateway on deposit and reserve from the chain’s own gas price and pool size', async () => {
    const r = await chain(['status', ...common(), '-address', keyOf('gateway').address, '-json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { gasPrice: string; poolSize: string; funding: Record<string, unknown> & { explanation: string[] } };
    const gas = BigInt(s.gasPrice);
    // By hand, go-livepeer's rule: redeem gas 1.2M × gas price × 100, or EV 8 gwei × 100 when higher.
    const fv = 1_200_000n * gas * 100n > 800_000_000_000n ? 1_200_000n * gas * 100n : 800_000_000_000n;
    assert.equal(s.funding.faceValue, fv.toString());
    assert.equal(s.funding.reserveNeeded, (fv * 2n).toString(), 'two active orchestrators share the reserve');
    assert.equal(s.funding.reservePerOrchestrator, (10n ** 18n / 2n).toString());
    assert.equal(s.funding.depositNeeded, (fv * 3n).toString());
    assert.equal(s.funding.reserveStatus, fv <= 10n ** 18n / 2n ? 'ok' : 'low');
    assert.ok(s.funding.explanation.some((l) => l.startsWith('deposit ') && l.includes('pays your winning tickets')));
    const text = await chain(['status', ...common(), '-address', keyOf('gateway').address]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /funding, as a gateway/);
    assert.match(text.stdout, /reserve 1 ETH: a guarantee split between the 2 active orchestrators \(0\.5 ETH each\)/);
  });

  it('status -dataDir reports an orchestrator’s winning tickets from its store, net of gas at the fee-history price', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'status-store-'));
    try {
      const store = await openStore({ backend: 'sqlite', dataDir: dir });
      const face = [3n * 10n ** 15n, 2n * 10n ** 15n, 10n ** 15n];
      for (const [i, faceValue] of face.entries()) await store.tickets.addWinning(winningTicket(i, { faceValue }));
      const redeemed = winningTicket(9, { faceValue: 7n });
      await store.tickets.addWinning(redeemed);
      const [r0] = await store.tickets.list('pending', 10).then((l) => l.filter((t) => t.ticket.ticket.faceValue === 7n));
      await store.tickets.markRedeemed(r0!.ticketHash, { txHash: `0x${'ab'.repeat(32)}` });
      await store.tickets.markSubmitted([(await store.tickets.list('pending', 1))[0]!.ticketHash], { txHash: `0x${'cd'.repeat(32)}`, nonce: 4 });
      await store.close();
      const r = await chain(['status', ...common(), '-address', keyOf('orchestrator').address, '-dataDir', dir, '-redeemGas', '100000', '-json']);
      assert.equal(r.code, 0, r.stderr);
      const o = (JSON.parse(r.stdout) as { orchestratorFunding: Record<string, string> & { explanation: string[] } }).orchestratorFunding;
      const gas = BigInt(o.gasPrice!);
      assert.ok(gas > 0n);
      // Pending and submitted both wait for the chain: 3 tickets, 6e15 wei; the redeemed one is not open.
      assert.equal(o.expectedGas, (3n * 100_000n * gas).toString());
      assert.equal(o.net, (6n * 10n ** 15n - 3n * 100_000n * gas).toString());
      assert.match(o.explanation[0]!, /^3 winning tickets waiting to be redeemed, worth 0\.006 ETH/);
      assert.ok(o.explanation.some((l) => l === 'redeemed so far: 1 tickets, 0.000000000000000007 ETH.'));
      const text = await chain(['status', ...common(), '-address', keyOf('orchestrator').address, '-dataDir', dir]);
      assert.match(text.stdout, /winning tickets, as an orchestrator \(store /);
      const missing = await chain(['status', ...common(), '-dataDir', join(dir, 'nope')]);
      assert.equal(missing.code, 2, missing.stderr);
      assert.match(missing.stderr, /no winning-ticket store in/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('funds deposit and reserve with exact decimal ETH, key from the environment', async () => {
    const gw = keyOf('gateway');
    const env = { LIVEPEER_TS_PRIVATE_KEY: gw.privateKey };
    let r = await chain(['fund-deposit', ...common(), '-amount', '0.000000000000000001'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(gw.privateKey.slice(2)) && !r.stderr.includes(gw.privateKey.slice(2)), 'key never printed');
    r = await chain(['fund-reserve', ...common(), '-amount', '1.5'], env);
    assert.equal(r.code, 0, r.stderr);
    const s = await status(gw.address);
    assert.equal(s.deposit, (10n ** 18n + 1n).toString());
    assert.equal(s.reserve, (25n * 10n ** 17n).toString());
    r = await chain(['fund-deposit', ...common(), '-amount', '0.0000000000000000001'], env);
    assert.equal(r.code, 2, 'more than 18 decimals is refused');
  });

  it('unlock, then withdraw only after the unlock period (revert reason shown)', async () => {
    const gw = keyOf('gateway');
    const k = ['-ethPrivateKey', gw.privateKey];
    let r = await chain(['unlock', ...common(), ...k]);
    assert.equal(r.code, 0, r.stderr);
    r = await chain(['withdraw', ...common(), ...k]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /account is locked/);
    for (let i = 0; i < 2; i++) {
      r = await chain(['initialize-round', ...common(), ...k, '-next']);
      assert.equal(r.code, 0, r.stderr);
    }
    r = await chain(['withdraw', ...common(), ...k]);
    assert.equal(r.code, 0, r.stderr);
    const s = await status(gw.address);
    assert.equal(s.deposit, '0');
    assert.equal(s.reserve, '0');
  });

  it('bonds and registers a new orchestrator, which joins the pool', async () => {
    const u = keyOf('user');
    const k = ['-ethPrivateKey', u.privateKey];
    let r = await chain(['bond', ...common(), ...k, '-amount', '500']);
    assert.equal(r.code, 0, r.stderr);
    r = await chain(['register', ...common(), ...k, '-rewardCut', '10', '-feeShare', '2.5', '-serviceURI', 'https://127.0.0.1:9999']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rewardCut 100000\/1e6 feeShare 25000\/1e6/);
    const s = await status(u.address);
    assert.equal(s.registeredTranscoder, true);
    assert.equal(s.bondedAmount, (500n * 10n ** 18n).toString());
    assert.equal(s.poolSize, '3');
  });

  it('withdraw-fees with nothing earned is refused clearly; errors name the missing key', async () => {
    const u = keyOf('user', 1);
    let r = await chain(['withdraw-fees', ...common(), '-ethPrivateKey', u.privateKey]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no fees to withdraw/);
    r = await chain(['unlock', ...common()], { LIVEPEER_TS_PRIVATE_KEY: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /-ethPrivateKey/);
  });
});

describe('devnet shutdown', () => {
  it('exits 0 on SIGTERM and takes anvil down with it', async () => {
    assert.ok(anvilPid && pidAlive(anvilPid), 'anvil runs while the devnet does');
    devnet.kill('SIGTERM');
    const [code] = (await once(devnet, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.equal(pidAlive(anvilPid!), false);
  });
});

describe('livepeer-ts devnet -blockTime -initializeRound', () => {
  it('mines on its own and initialises each new round', async () => {
    const child = spawn(process.execPath, [bin, 'devnet', '-port', '0', '-blockTime', '1', '-roundLength', '3', '-initializeRound', '-gateways', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      let out = '';
      for (let i = 0; i < 120 && !out.includes('\n'); i++) {
        const chunk = await Promise.race([once(child.stdout, 'data').then(([d]) => String(d)), new Promise<string>((r) => setTimeout(() => r(''), 500))]);
        out += chunk;
      }
      const line = JSON.parse(out.split('\n')[0]!) as DevnetLine;
      const args = ['status', '-ethUrl', line.rpcUrl, '-ethController', line.controller, '-json'];
      const first = JSON.parse((await chain(args)).stdout) as Record<string, string>;
      let later = first;
      for (let i = 0; i < 60 && !(BigInt(later.round!) >= BigInt(first.round!) + 2n && later.roundInitialized); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        later = JSON.parse((await chain(args)).stdout) as Record<string, string>;
      }
      assert.ok(BigInt(later.round!) >= BigInt(first.round!) + 2n, `rounds advanced (stderr: ${err})`);
      assert.equal(later.roundInitialized, true);
      assert.match(err, /initialised round/);
    } finally {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0);
      } else assert.fail(`devnet exited early with ${child.exitCode}: ${err}`);
    }
  });
});
