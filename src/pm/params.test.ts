// O-side face value / winProb (go-livepeer recipient_test.go TestTicketParams, pm.md §8.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WIN_PROB, PmError, computeFaceValue, computeWinProb, ticketEV, txCostMultiplierOf } from './index.js';
import type { TicketParamsConfig } from './index.js';

const cfg: TicketParamsConfig = { ev: 5n, redeemGas: 10_000n, txCostMultiplier: 100n };
const MAX_FLOAT = 10_000_000_000n;

test('gas 100: face value 1e8 and go-livepeer winProb', () => {
  const fv = computeFaceValue(cfg, 100n, MAX_FLOAT);
  assert.equal(fv, 100_000_000n);
  assert.equal(computeWinProb(fv, cfg.ev), 5789604461865809771178549250434395392663499233282028201972879200395660n);
});

test('gas 777: face value 777e6', () => {
  const fv = computeFaceValue(cfg, 777n, MAX_FLOAT);
  assert.equal(fv, 777_000_000n);
  assert.equal(computeWinProb(fv, cfg.ev), 745122839364969082519761808292714979750772102095499125093034646125570n);
});

test('max float 10001 at gas 1 caps the face value', () => {
  const fv = computeFaceValue(cfg, 1n, 10_001n);
  assert.equal(fv, 10_001n);
  assert.equal(computeWinProb(fv, cfg.ev), 57890255593098787833002192285115442382396752657554526567072084795477017120n);
});

test('max float below EV → insufficient sender reserve', () => {
  assert.throws(() => computeFaceValue(cfg, 100n, 4n), (e: unknown) => e instanceof PmError && e.code === 'INSUFFICIENT_SENDER_RESERVE' && /insufficient sender reserve/.test(e.message));
});

test('tx cost 0 → face value EV · 100', () => {
  assert.equal(computeFaceValue(cfg, 0n, MAX_FLOAT), 500n);
});

test('maxFaceValue caps', () => {
  assert.equal(computeFaceValue({ ...cfg, maxFaceValue: 20_000n }, 1n, MAX_FLOAT), 20_000n);
  assert.throws(() => computeFaceValue({ ...cfg, maxFaceValue: 1234n }, 100n, MAX_FLOAT), PmError); // below tx cost and 3 gwei floor
  assert.equal(computeFaceValue({ ...cfg, maxFaceValue: 0n }, 100n, MAX_FLOAT), 100_000_000n);
});

test('avg gas price boundaries: below tx cost is allowed only while ≥ redeemGas · 3 gwei', () => {
  const big: TicketParamsConfig = { ev: 1n, redeemGas: 10n, txCostMultiplier: 100n };
  const avgFloor = 10n * 3_000_000_000n; // 3e10
  const gas = 10_000_000_000n; // txCost = 1e11
  // face value capped by max float below txCost
  assert.equal(computeFaceValue(big, gas, avgFloor), avgFloor); // == floor: ok
  assert.equal(computeFaceValue(big, gas, avgFloor + 1n), avgFloor + 1n);
  assert.throws(() => computeFaceValue(big, gas, avgFloor - 1n), PmError);
  // at or above txCost it is fine even below the floor
  const cheap = 1_000_000_000n; // txCost 1e10 < floor 3e10
  assert.equal(computeFaceValue(big, cheap, 10_000_000_000n), 10_000_000_000n);
  assert.throws(() => computeFaceValue(big, cheap, 9_999_999_999n), PmError);
});

test('winProb: faceValue == EV → max; 0 → 0; divisors of 2^256−1 use EV·x exactly', () => {
  assert.equal(computeWinProb(5n, 5n), MAX_WIN_PROB);
  assert.equal(computeWinProb(0n, 5n), 0n);
  for (const d of [3n, 5n, 17n, 257n]) {
    assert.equal(MAX_WIN_PROB % d, 0n);
    assert.equal(computeWinProb(d * 1000n, 1000n) , 1000n * (MAX_WIN_PROB / (d * 1000n)) + (MAX_WIN_PROB % (d * 1000n) ? 1000n : 0n));
    assert.equal(computeWinProb(d, 1n), MAX_WIN_PROB / d);
  }
  // face value ≥ 2^63 whose remainder has zero low 64 bits: full bigint comparison (pm.md §9.12)
  const fv = (1n << 200n) + 1n;
  const wp = computeWinProb(fv, 7n);
  assert.equal(wp, 7n * (MAX_WIN_PROB / fv + (MAX_WIN_PROB % fv !== 0n ? 1n : 0n)));
  assert.ok(ticketEV(fv, wp).gte(7n));
});

test('realised EV is ≥ configured EV and below it + faceValue/2^256·EV', () => {
  for (const fv of [100_000_000n, 777_000_000n, 10_001n, 1_200_000_000_000_000n]) {
    const ev = ticketEV(fv, computeWinProb(fv, 5n));
    assert.ok(ev.gte(5n));
    assert.ok(ev.lt(6n));
  }
});

test('txCostMultiplierOf = faceValue / txCost', () => {
  assert.equal(txCostMultiplierOf(cfg, 100_000_000n, 100n)?.toString(), '100');
  assert.equal(txCostMultiplierOf(cfg, 1n, 0n), null);
});
