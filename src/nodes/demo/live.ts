// The demo's live stream: a generated test video streamed through the gateway's live API to the CPU
// live runner (ffmpeg filters) next to the batch jobs, paid per second. Its progress line shows the
// payments as they go; its summary compares seconds streamed, seconds paid and fees = seconds ×
// price, exactly.
import { Rat, formatRatWei } from '../../money/index.js';
import { LIVE_PIXELS_PER_SECOND } from '../../billing/index.js';
import { runLiveClient, type LiveClientResult } from '../gateway/index.js';

/**
 * The live model of the demo network. Its price is wei per second (aiModels.json's unit for
 * live-video-to-video): at the demo's ticket EV (1.4e14) one 1 s payment interval is worth about
 * 1.4 tickets, inside the sender's 1–3 aim.
 */
export const DEMO_LIVE = {
  modelId: 'noop',
  weiPerSecond: 200_000_000_000_000n,
  seconds: 20,
  params: { filter: 'grayscale' },
  paymentInterval: '1s',
};

export interface LiveDemoResult {
  ok: boolean;
  /** EV of the tickets the gateway sent for the stream (the initial payment included). */
  sentEV: Rat;
  /** The stream's wire price per 720p30 pixel. */
  pricePerPixel: Rat;
  client: LiveClientResult | undefined;
  error: string | undefined;
  /** Wall-clock seconds between the stream's start and its end at the gateway. */
  secondsStreamed: number;
  secondsPaid: Rat;
  fees: Rat;
  pricePerSecond: Rat;
  checks: { name: string; ok: boolean; detail: string }[];
}

export async function runLiveDemo(gatewayUrl: string, say: (line: string) => void): Promise<LiveDemoResult> {
  let client: LiveClientResult | undefined;
  let error: string | undefined;
  let lastShown = 0;
  try {
    client = await runLiveClient({
      gateway: gatewayUrl,
      stream: 'demo-live',
      modelId: DEMO_LIVE.modelId,
      params: DEMO_LIVE.params,
      source: { testVideo: { seconds: DEMO_LIVE.seconds } },
      segmentSeconds: 1,
      onProgress: (p) => {
        if (Date.now() - lastShown < 4_000) return;
        lastShown = Date.now();
        say(`live: ${p.segmentsIn} segments in, ${p.segmentsOut} out, paid ${p.secondsPaid} s = ${formatRatWei(Rat.parse(p.feesWei), 6, 'eth')} ETH`);
      },
    });
  } catch (err) {
    error = (err as Error).message;
  }
  const g = (client?.status.gateway_status ?? {}) as Record<string, unknown>;
  const started = Date.parse(String(g.started_at ?? ''));
  const ended = Date.parse(String(g.ended_at ?? ''));
  const secondsStreamed = Number.isFinite(started) && Number.isFinite(ended) ? (ended - started) / 1000 : 0;
  const secondsPaid = Rat.of(BigInt(String(g.billed_ms ?? '0')), 1000n);
  const fees = Rat.parse(String(g.fees_wei ?? '0'));
  const pricePerSecond = Rat.parse(String(g.price_per_second_wei ?? '0'));
  const sentEV = Rat.parse(String(g.sent_ev_wei ?? '0'));
  const outputs = client?.segmentsOut ?? 0;
  const checks = [
    { name: 'live: transformed segments came back', ok: outputs > 0, detail: `${outputs} of ${client?.segmentsIn ?? 0}` },
    { name: 'live: fees = seconds paid × price per second', ok: fees.eq(secondsPaid.mul(pricePerSecond)), detail: `${fees.toString()} vs ${secondsPaid.toString()} × ${pricePerSecond.toString()} wei` },
    {
      name: 'live: seconds paid within one interval of seconds streamed',
      ok: Math.abs(Number(secondsPaid.num) / Number(secondsPaid.den) - secondsStreamed) <= 1.5,
      detail: `${String(g.seconds_paid ?? secondsPaid.toString())} s paid, ${secondsStreamed.toFixed(3)} s streamed`,
    },
  ];
  const ok = error === undefined && checks.every((c) => c.ok);
  return { ok, sentEV, pricePerPixel: pricePerSecond.div(LIVE_PIXELS_PER_SECOND), client, error, secondsStreamed, secondsPaid, fees, pricePerSecond, checks };
}

export function formatLiveSettlement(r: LiveDemoResult): string {
  const row = (k: string, v: string) => `  ${k.padEnd(34)} ${v}`;
  const lines = [
    'live stream',
    ...(r.error ? [row('error', r.error)] : []),
    row('segments in / out', `${r.client?.segmentsIn ?? 0} / ${r.client?.segmentsOut ?? 0}`),
    row('seconds streamed (wall clock)', r.secondsStreamed.toFixed(3)),
    row('seconds paid', String((r.client?.status.gateway_status as Record<string, unknown> | undefined)?.seconds_paid ?? r.secondsPaid.toString())),
    row('price per second', `${formatRatWei(r.pricePerSecond, 18, 'eth')} ETH`),
    row('fees (seconds × price)', `${formatRatWei(r.fees, 18, 'eth')} ETH`),
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}  (${c.detail})`),
  ];
  return lines.join('\n');
}
