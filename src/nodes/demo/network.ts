// A whole Livepeer network on 127.0.0.1, composed in-process: the devnet (anvil + our contracts),
// CPU reference runners, one orchestrator per bonded dev account with an aiModels.json pointing at
// the runners, and a gateway paying with the funded dev gateway account. Used by `npm start` (the
// demo) and by the end-to-end tests, so both exercise exactly the same wiring.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIVE_PIPELINE, startLiveRunner, startReferenceRunner, type LiveRunner, type ReferenceRunner, type RunnerPipeline } from '../../ai/index.js';
import { startDevnet, type Devnet } from '../../eth/index.js';
import { startGateway, type GatewayHandle, type StartGatewayOptions } from '../gateway/index.js';
import { startOrchestrator, type Orchestrator, type OrchestratorConfigInput } from '../orchestrator/index.js';

/** One aiModels.json entry of the demo network; `url` is filled in with the started runner's. */
export interface DemoModel {
  /** A batch pipeline (CPU reference runner) or live-video-to-video (the CPU live runner; price in wei per second). */
  pipeline: RunnerPipeline | typeof LIVE_PIPELINE;
  modelId: string;
  /** Wei per `pixelsPerUnit` units (string keeps it exact). */
  pricePerUnit: string;
  pixelsPerUnit?: string;
  capacity?: number;
}

export interface LocalNetworkOptions {
  models: DemoModel[];
  /** Orchestrators to start (each bonded on the devnet, each with its own runners). Default 1. */
  orchestrators?: number;
  /** Self-bond of each orchestrator, LPT wei (default: the devnet's 1000 − i LPT). */
  stakes?: readonly bigint[];
  /** Orchestrator i charges this percentage of each model's price (default 100 for all). */
  pricePercent?: readonly number[];
  /**
   * How the gateway finds the orchestrators: 'orchAddr' (default) lists them; 'chain' reads
   * BondingManager's pool and the AI service registry, where each orchestrator registered itself.
   */
  discovery?: 'orchAddr' | 'chain';
  /** Orchestrator settings on top of the wiring (ticketEV, txCostMultiplier, …). */
  orchestrator?: Partial<OrchestratorConfigInput>;
  /** Gateway settings on top of the wiring (maxPricePerUnit, maxTicketEV, …). */
  gateway?: Partial<StartGatewayOptions>;
  /** Deposit and reserve of the gateway, wei (default 10 ETH each). */
  gatewayFunds?: bigint;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface LocalNetwork {
  devnet: Devnet;
  runners: ReferenceRunner[];
  /** The CPU live runners, one per live model of each orchestrator, in orchestrator order: liveRunners[i] serves orchestrators[i] when there is one live model. */
  liveRunners: LiveRunner[];
  orchestrators: Orchestrator[];
  gateway: GatewayHandle;
  /** The aiModels.json text each orchestrator was started with. */
  aiModels: string[];
  close(): Promise<void>;
}

export async function startLocalNetwork(opts: LocalNetworkOptions): Promise<LocalNetwork> {
  const log = opts.log ?? (() => {});
  const nOrch = opts.orchestrators ?? 1;
  const dataDir = mkdtempSync(join(tmpdir(), 'livepeer-ts-net-'));
  const closers: (() => Promise<void> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // keep closing the rest
      }
    }
  };
  try {
    log('starting the local chain (anvil) and deploying the protocol contracts …');
    const funds = opts.gatewayFunds ?? 10n * 10n ** 18n;
    const devnet = await startDevnet({
      orchestrators: nOrch,
      gateways: 1,
      gatewayDeposit: funds,
      gatewayReserve: funds,
      // Each orchestrator listens on port 0 first; its real address is registered once it is bound.
      serviceURI: false,
      ...(opts.stakes ? { orchestratorStakes: opts.stakes } : {}),
      log: (l) => log(`  ${l}`),
    });
    closers.push(() => devnet.stop());
    log(`chain ready at ${devnet.rpcUrl} (chain id ${devnet.chainId}), Controller ${devnet.controller}`);

    const orchAccounts = devnet.accounts.filter((a) => a.role === 'orchestrator');
    const gatewayAccount = devnet.accounts.find((a) => a.role === 'gateway');
    if (!gatewayAccount || orchAccounts.length < nOrch) throw new Error('devnet did not create the expected accounts');

    const runners: ReferenceRunner[] = [];
    const liveRunners: LiveRunner[] = [];
    const orchestrators: Orchestrator[] = [];
    const aiModels: string[] = [];
    for (let i = 0; i < nOrch; i++) {
      const entries = [];
      for (const m of opts.models) {
        let url: string;
        if (m.pipeline === LIVE_PIPELINE) {
          const r = await startLiveRunner({ modelId: m.modelId, capacity: m.capacity ?? 4 });
          closers.push(() => r.close());
          liveRunners.push(r);
          url = r.url;
        } else {
          const r = await startReferenceRunner({ pipeline: m.pipeline, modelId: m.modelId, port: 0 });
          closers.push(() => r.close());
          runners.push(r);
          url = r.url;
        }
        entries.push({
          pipeline: m.pipeline,
          model_id: m.modelId,
          url,
          warm: true,
          price_per_unit: scalePrice(m.pricePerUnit, opts.pricePercent?.[i] ?? 100),
          pixels_per_unit: m.pixelsPerUnit ?? '1',
          capacity: m.capacity ?? 4,
        });
      }
      const json = JSON.stringify(entries, null, 2);
      const modelsFile = join(dataDir, `aiModels-${i}.json`);
      writeFileSync(modelsFile, json);
      aiModels.push(json);
      log(`runners up for orchestrator ${i + 1}: ${opts.models.map((m) => m.pipeline).join(', ')} (CPU reference runners)`);
      const o = await startOrchestrator({
        serviceAddr: '127.0.0.1:0',
        dataDir: join(dataDir, `orch-${i}`),
        aiModels: modelsFile,
        network: 'devnet',
        ethUrl: devnet.rpcUrl,
        ethController: devnet.controller,
        ethPrivateKey: orchAccounts[i]!.privateKey,
        // Our own transactions are the only blocks on this chain; redemptions can walk it into a
        // new round, and someone has to initialise it (go-livepeer -initializeRound).
        initializeRound: true,
        // It listens on port 0; once bound it registers the address it got (through its own wallet,
        // so the registration never races its reward/round transactions for the account's nonce).
        registerServiceURI: true,
        ...opts.orchestrator,
      });
      closers.push(() => o.close());
      orchestrators.push(o);
      log(`orchestrator ${i + 1} ${o.address} serving gRPC + HTTPS at ${o.url}`);
    }

    const gateway = await startGateway({
      httpAddr: '127.0.0.1:0',
      ...(opts.discovery === 'chain' ? {} : { orchAddr: orchestrators.map((o) => o.url) }),
      network: 'devnet',
      ethUrl: devnet.rpcUrl,
      ethController: devnet.controller,
      ethPrivateKey: gatewayAccount.privateKey,
      logLevel: 'silent',
      ...opts.gateway,
    });
    closers.push(() => gateway.close());
    log(`gateway ${gateway.address} taking jobs at ${gateway.url}`);
    return { devnet, runners, liveRunners, orchestrators, gateway, aiModels, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `price` (a decimal string) × percent / 100, exact as a decimal string. */
function scalePrice(price: string, percent: number): string {
  if (percent === 100) return price;
  const [int, frac = ''] = price.split('.');
  const scaled = BigInt(`${int}${frac}`) * BigInt(percent);
  const digits = frac.length + 2;
  const s = scaled.toString().padStart(digits + 1, '0');
  const out = `${s.slice(0, -digits)}.${s.slice(-digits)}`.replace(/\.?0+$/, '');
  return out === '' ? '0' : out;
}
