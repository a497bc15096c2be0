// The redemption queue's decision on a revert, by the code of the decoded reason: every revert
// string TicketBroker can answer redeemWinningTicket with (read from the Solidity sources) has a
// code, and each code is dropped (can never succeed), expired, answered by initialising the round,
// or retried. The devnet suites (test/redemption/*.ts) check the same decisions on real reverts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EthError, TICKET_BROKER_REVERTS, ticketBrokerRevertCode, ticketBrokerRevertCodes } from '../../eth/index.js';
import { redemptionCodes, redemptionDecision, revertDecision } from './codes.js';

const reverted = (reason?: string, txHash?: `0x${string}`) =>
  new EthError('TX_REVERTED', `redeemWinningTicket reverted: ${reason ?? 'execution reverted'}`, { fatal: false, ...(reason ? { reason } : {}), ...(txHash ? { txHash } : {}) });

/** Every string literal in a require(…, "…") or revert("…") of a Solidity file. */
function revertStrings(file: string): string[] {
  const src = readFileSync(join(process.cwd(), 'contracts', file), 'utf8');
  return [...src.matchAll(/(?:require\s*\([^;]*?,\s*|revert\s*\(\s*)"([^"]+)"\s*\)/gs)].map((m) => m[1]!);
}

describe('redemption: drop or retry by revert code', () => {
  it('every revert string on the redeemWinningTicket path has a code, verbatim', () => {
    const onPath = [
      ...revertStrings('pm/TicketValidation.sol'),
      ...revertStrings('pm/TicketSigRecovery.sol'),
      // TicketBroker.redeemWinningTicket's own checks and its modifiers
      ...revertStrings('pm/TicketBroker.sol').filter((s) => s.startsWith('sender ')),
      ...revertStrings('pm/BrokerBase.sol').filter((s) => s.includes('round')),
      ...revertStrings('Manager.sol').filter((s) => s === 'system is paused'),
    ];
    assert.ok(onPath.length >= 15, `found ${onPath.length} revert strings`);
    for (const s of onPath) assert.ok(ticketBrokerRevertCode(s) !== undefined, `no code for "${s}"`);
    // …and the table holds nothing that is not in the contracts.
    const all = new Set(onPath);
    for (const s of Object.keys(TICKET_BROKER_REVERTS)) assert.ok(all.has(s), `"${s}" is not a revert string of the contracts`);
  });

  it('codes: permanent ones drop, an expired ticket expires, the round is initialised, the rest retry', () => {
    const want: Record<string, string> = {
      TICKET_RECIPIENT_NULL: 'drop',
      TICKET_SENDER_NULL: 'drop',
      TICKET_AUX_DATA_INVALID: 'drop',
      TICKET_CREATION_ROUND_NO_BLOCK_HASH: 'drop',
      TICKET_CREATION_ROUND_BLOCK_HASH_INVALID: 'drop',
      TICKET_EXPIRED: 'expire',
      RECIPIENT_RAND_MISMATCH: 'drop',
      TICKET_USED: 'drop',
      TICKET_SIGNATURE_INVALID: 'drop',
      TICKET_DID_NOT_WIN: 'drop',
      SENDER_UNLOCKED: 'drop',
      // The sender may fund again before the ticket expires (go-livepeer retries it too).
      SENDER_FUNDS_ZERO: 'retry',
      ROUND_NOT_INITIALIZED: 'initialize-round',
      SYSTEM_PAUSED: 'retry',
    };
    assert.deepEqual(Object.keys(want).sort(), Object.keys(ticketBrokerRevertCodes.codes).sort(), 'a new revert code needs a decision here');
    for (const [reason, code] of Object.entries(TICKET_BROKER_REVERTS)) {
      assert.equal(redemptionDecision(reverted(reason)), want[code], `${code} ("${reason}")`);
    }
  });

  it('decides on the decoded reason, not on the message', () => {
    // A message that merely mentions a permanent reason is not a revert with that reason.
    const rpc = new EthError('TX_REVERTED', 'redeemWinningTicket reverted: HTTP request failed (ticket is used?)', { fatal: false });
    assert.equal(redemptionDecision(rpc), 'retry');
    assert.equal(redemptionDecision(new Error('ticket is used')), 'retry');
    assert.equal(redemptionDecision(new EthError('TX_TIMEOUT', 'not mined: ticket is expired')), 'retry');
    // An unknown reason (a future contract) is retried: a winning ticket is money.
    assert.equal(redemptionDecision(reverted('some new reason')), 'retry');
    // Substrings do not count: the table matches whole reasons.
    assert.equal(redemptionDecision(reverted('ticket is used; and more')), 'retry');
  });

  it('a tx mined and reverted with no reason to be had is retried (go-livepeer drops it as "transaction failed": #4012/#4013)', () => {
    assert.equal(redemptionDecision(reverted(undefined, `0x${'ab'.repeat(32)}`)), 'retry');
    assert.equal(redemptionDecision(reverted(undefined)), 'retry');
    assert.equal(revertDecision(undefined), 'retry');
  });

  it('the queue’s own codes are distinct from TicketBroker’s (a stored reasonCode names one of them)', () => {
    for (const c of Object.keys(redemptionCodes.codes)) assert.ok(!(c in ticketBrokerRevertCodes.codes), c);
  });
});
