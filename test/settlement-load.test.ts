// The short version of `npm run bench:settle` (issue 10's throughput acceptance): 16 concurrent
// paid llm jobs for 10 s through a real gateway to a real `livepeer-ts orchestrator` process on the
// anvil devnet — a block every 150 ms, rounds of 100 blocks (so a ticket lives ≤ 30 s, at least 9 s
// after its params expire, and the run crosses a round boundary), tickets winning 1 in 25 — then the
// queue drains. Every winner the orchestrator stored is redeemed on chain and none expires; the
// figures come from the store (a second handle), TicketBroker's logs and BondingManager
// (bench/lib/settle-load.ts), not from the orchestrator's own counters. No rate is asserted: the
// bench reports those.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runSettleLoad } from '../bench/lib/settle-load.js';

it('16 concurrent paid jobs for 10 s at a 1-in-25 win rate on short rounds: every winner is redeemed, none expires', async (t) => {
  const r = await runSettleLoad({ concurrency: 16, durationMs: 10_000, blockMs: 150, roundLength: 100n, winEvery: 25 });
  t.diagnostic(
    `${r.jobs.ok} jobs (${r.jobs.perSec}/s), ${r.ticketsSent} tickets, ${r.winners} winners; ${r.redeemedOnChain} redeemed in ${r.txs} txs ` +
      `(batch median ${r.batch.median}, max ${r.batch.max}), ${r.gasPerTicket} gas/ticket; delay ${r.delayBlocks.median}/${r.delayBlocks.max} blocks, ` +
      `least margin ${r.minMarginBlocks} blocks; ${r.rounds} round boundaries; requeued ${JSON.stringify(r.requeued)}; drained in ${r.drainMs} ms`,
  );
  assert.ok(r.jobs.ok > 0 && r.ticketsSent >= r.jobs.ok, `${r.jobs.ok} jobs, ${r.ticketsSent} tickets`);
  // 1 in 25 of at least a few hundred tickets.
  assert.ok(r.winners >= 5, `only ${r.winners} winners of ${r.ticketsSent} tickets`);
  assert.deepEqual(
    { expired: r.expired, dropped: r.dropped, open: r.open, lost: r.lost },
    { expired: 0, dropped: 0, open: 0, lost: {} },
    'no winner expires, is dropped or is left open',
  );
  assert.equal(r.redeemed, r.winners, 'every stored winner is redeemed');
  assert.equal(r.redeemedOnChain, r.winners, 'one WinningTicketRedeemed per winner');
  assert.ok(r.feesMatch, 'BondingManager fees grew by exactly the face value redeemed');
  assert.ok(r.batch.max > 1, `winners due together go in one batch (max batch ${r.batch.max})`);
});
