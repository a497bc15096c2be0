// `livepeer-ts signer` (and go-livepeer's `-remoteSigner` mode flag) as a process: usage errors
// exit 2 naming the flag, a public -httpAddr without auth refuses to start (exit 1) before any key
// or chain is looked at, and -help lists go-livepeer's flag names. Then the command signing for
// real against an anvil devnet: its key from LIVEPEER_TS_PRIVATE_KEY (a gateway account with a
// TicketBroker deposit and reserve), /sign-orchestrator-info recovering to that key, a null-state
// /generate-live-payment whose tickets a pm Recipient on the same chain accepts, SIGTERM → exit 0.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { getAddress, keccak256, recoverMessageAddress, stringToBytes, type Hex } from 'viem';
import { connectChain, startDevnet, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { Rat } from '../src/money/index.js';
import { MemoryTicketSink, Recipient, hexToBytes, ticketEV } from '../src/pm/index.js';
import { SenderMonitor } from '../src/settlement/index.js';
import {
  OrchestratorInfoSchema, createAuthToken, decodePaymentHeader, decodeSegmentHeader, encodeBase64, paymentFromWire, priceInfoToWire, ticketParamsToWire,
} from '../src/wire/index.js';
import { spawnCli, type CliProcess } from './cli-process.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const p = spawnCli(args, { env: { LIVEPEER_TS_PRIVATE_KEY: '', ...env }, timeoutMs: 60_000 });
  const code = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

describe('livepeer-ts signer (process)', () => {
  it('refuses a public -httpAddr without -authToken or a webhook (exit 1), as `signer` and as `-remoteSigner`', async () => {
    for (const args of [
      ['signer', '-httpAddr', '0.0.0.0:0', '-ethUrl', 'http://127.0.0.1:1'],
      ['-remoteSigner', '-httpAddr', '0.0.0.0:0', '-ethUrl', 'http://127.0.0.1:1'],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /refusing to start: a remote signer on the public -httpAddr 0\.0\.0\.0:0/);
      assert.match(r.err, /-remoteSignerAllowNoAuth/);
      assert.equal(r.out, '');
    }
  });

  it('usage errors exit 2 and name the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['signer', '-bogus'], /unknown flag -bogus/],
      [['signer', '-network', 'offchain'], /-network offchain/],
      [['signer', '-liveAICapReportInterval', '5x'], /-liveAICapReportInterval takes a duration/],
      [['signer'], /-ethUrl is required/],
      [['signer', '-ethUrl', 'http://127.0.0.1:1'], /needs its key: -ethPrivateKey or env LIVEPEER_TS_PRIVATE_KEY/],
      [['-remoteSigner', '-gateway'], /-remoteSigner and -gateway are different modes/],
      [['signer', '-ethUrl', 'http://127.0.0.1:1', '-ethPrivateKey', `0x${'11'.repeat(32)}`, '-storeDurability', 'fast'], /-storeDurability must be full or normal/],
    ];
    for (const [args, want] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, want);
    }
  });

  it('a bad -maxPricePerCapability is refused at start (exit 1)', async () => {
    const r = await run(['signer', '-maxPricePerCapability', '{"capabilities_prices":[{"pipeline":"nope"}]}', '-ethUrl', 'http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.err, /not a known capability/);
  });

  it('-help lists go-livepeer\'s flag names', async () => {
    const r = await run(['signer', '-help']);
    assert.equal(r.code, 0);
    for (const f of ['-httpAddr', '-datadir', '-ethUrl', '-maxPricePerUnit', '-pixelsPerUnit', '-maxPricePerCapability', '-maxTicketEV', '-maxTotalEV', '-depositMultiplier', '-remoteSignerWebhookUrl', '-remoteSignerWebhookHeaders', '-remoteDiscovery', '-liveAICapReportInterval', '-authToken', '-statelessSigner', '-maxSpendPerSession', '-maxSpendPerAuthId', '-maxSpendTotal', '-remoteSignerAllowNoAuth']) {
      assert.ok(r.out.includes(`  ${f} `), f);
    }
  });
});

describe('livepeer-ts signer on a devnet (process)', () => {
  let dev: Devnet | undefined;
  let chain: ChainAdapters | undefined;
  let dir: string | undefined;
  let proc: CliProcess | undefined;
  let gw: DevAccount;
  let orch: DevAccount;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signer-cli-'));
    dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 1000n });
    gw = dev.accounts.find((a) => a.role === 'gateway')!;
    orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
    chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, claimant: orch.address, pollMs: 100 });
  });

  after(async () => {
    if (proc) await proc.stop('SIGKILL');
    chain?.close();
    await dev?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports its address and port, signs the orchestrator request and a null-state payment the orchestrator accepts; SIGTERM exits 0', async () => {
    const d = dev!;
    const c = chain!;
    proc = spawnCli(['signer', '-httpAddr', '127.0.0.1:0', '-network', 'devnet', '-ethUrl', d.rpcUrl, '-ethController', d.controller, '-datadir', join(dir!, 'signer'), '-v', 'warn'], {
      env: { LIVEPEER_TS_PRIVATE_KEY: gw.privateKey },
      timeoutMs: 60_000,
    });
    const line = JSON.parse(await proc.firstLine()) as { url: string; address: string; tls: boolean };
    assert.equal(line.address, getAddress(gw.address), 'the address of the key in LIVEPEER_TS_PRIVATE_KEY, EIP-55');
    assert.equal(line.tls, false);
    const m = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(line.url);
    assert.ok(m && Number(m[1]) > 0, `a bound port on loopback: ${line.url}`);

    // go-livepeer: personal_sign(keccak256(utf8(address.Hex()))).
    const infoRes = await fetch(`${line.url}/sign-orchestrator-info`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(10_000) });
    assert.equal(infoRes.status, 200);
    const info = (await infoRes.json()) as { address: string; signature: Hex };
    assert.equal(info.address, line.address);
    assert.equal(await recoverMessageAddress({ message: { raw: keccak256(stringToBytes(info.address)) }, signature: info.signature }), getAddress(gw.address));

    // The orchestrator side: a pm Recipient on the same chain, issuing params to the signer's address.
    const secret = randomBytes(32);
    const sink = new MemoryTicketSink();
    const recipient = new Recipient({
      address: orch.address,
      secret,
      chain: c.view,
      senders: c.senders,
      sink,
      params: { ev: 10n ** 12n, redeemGas: 350_000n, txCostMultiplier: 100n },
      gasPrice: c.gasPrice,
      maxFloat: new SenderMonitor({ senders: c.senders, pool: c.view }),
    });
    const price = { pricePerUnit: 2000n, pixelsPerUnit: 1n };
    const params = await recipient.ticketParams(gw.address, price);
    const orchestrator = encodeBase64(
      toBinary(
        OrchestratorInfoSchema,
        create(OrchestratorInfoSchema, {
          transcoder: 'https://127.0.0.1:8935',
          address: hexToBytes(orch.address),
          ticketParams: ticketParamsToWire(params),
          priceInfo: priceInfoToWire(price),
          authToken: createAuthToken(secret, { validitySeconds: 1800, sessionId: 'cli-1' }),
        }),
      ),
    );
    const payRes = await fetch(`${line.url}/generate-live-payment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orchestrator, type: 'lv2v' }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await payRes.json()) as { payment: string; segCreds: string; state: { State: string; Sig: string } };
    assert.equal(payRes.status, 200, JSON.stringify(body));
    const p = paymentFromWire(decodePaymentHeader(body.payment));
    assert.equal(getAddress(p.sender!), getAddress(gw.address));
    const r = await recipient.processPayment({ params: p.ticketParams!, expirationParams: p.expirationParams, sender: p.sender!, senderParams: p.senderParams });
    assert.deepEqual(r.tickets.filter((t) => t.error).map((t) => t.error!.code), [], 'the orchestrator accepts every ticket');
    // lv2v from a null state: go-livepeer's 60 s preload, 60 × 1280·720·30 px at 2000 wei/px.
    const fee = 60n * 27_648_000n * 2000n;
    const ev = ticketEV(p.ticketParams!.faceValue, p.ticketParams!.winProb);
    const n = BigInt(p.senderParams.length);
    assert.ok(n >= 2n && ev.mul(n - 1n).lt(Rat.from(fee)) && ev.mul(n).gte(Rat.from(fee)), `${n} tickets of EV ${ev} for a fee of ${fee}`);
    assert.deepEqual(p.senderParams.map((s) => s.senderNonce), Array.from({ length: Number(n) }, (_, i) => BigInt(i + 1)));
    assert.ok(r.credited.eq(ev.mul(n)), `credited ${r.credited}`);
    const st = JSON.parse(Buffer.from(body.state.State, 'base64').toString('utf8')) as Record<string, unknown>;
    assert.equal(st.Balance, ev.mul(n).sub(fee).toString());
    assert.equal(st.SequenceNumber, 0);
    assert.equal(st.OrchestratorAddress, orch.address.toLowerCase());
    assert.equal(new TextDecoder().decode(decodeSegmentHeader(body.segCreds).profiles), 'invalid');

    assert.equal(await proc.stop('SIGTERM'), 0, proc.stderr());
    proc = undefined;
  });
  it('-remoteDiscovery with no -orchAddr or webhook lists the chain\'s pool, as go-livepeer (it used to refuse to start)', async () => {
    const d = dev!;
    proc = spawnCli(['signer', '-remoteDiscovery', '-httpAddr', '127.0.0.1:0', '-network', 'devnet', '-ethUrl', d.rpcUrl, '-ethController', d.controller, '-datadir', join(dir!, 'signer-discovery'), '-v', 'warn'], {
      env: { LIVEPEER_TS_PRIVATE_KEY: gw.privateKey },
      timeoutMs: 60_000,
    });
    const line = JSON.parse(await proc.firstLine()) as { url: string };
    // The devnet's orchestrator is registered on chain but no node serves its URI: the pool is the
    // chain's, its one entry does not answer, so a 503 (go-livepeer's masked text) until one does.
    const res = await fetch(`${line.url}/discover-orchestrators`, { signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    assert.equal(res.status, 503, text);
    assert.deepEqual(JSON.parse(text), { error: { message: 'Service Unavailable Error', code: 'SIGNER_DISCOVERY_EMPTY' } });
    assert.equal(await proc.stop('SIGTERM'), 0, proc.stderr());
    proc = undefined;
  });
});
