// Off-chain and on-chain agree: TicketBroker.getTicketHash equals src/pm's ticketHash (and the shared
// vectors), and a ticket built and signed by src/pm — and one signed independently with viem —
// redeems on our TicketBroker on a real anvil devnet.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { bytesToHex, encodeAbiParameters, hexToBytes, keccak256, stringToHex, type Address, type Hex } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import {
  MAX_WIN_PROB,
  isWinningTicket,
  localTicketSigner,
  recipientRand,
  recipientRandHash,
  ticketHash,
  type HashedTicketFields,
} from '../../src/pm/index.js';
import { packedTicketHash, signTicketViem, startBrokerDevnet, type BrokerEnv, type Ticket } from './helpers-broker.js';
import { PM_VECTORS } from '../fixtures.js';

interface VectorLine {
  ticket: {
    recipient: Address;
    sender: Address;
    faceValue: string;
    winProb: string;
    senderNonce: string;
    recipientRandHash: Hex;
    creationRound: string;
    creationRoundBlockHash: Hex;
  };
  expect: { hash: Hex };
}

function readVectors(): VectorLine[] {
  const text = readFileSync(PM_VECTORS, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as VectorLine);
}

const aux = (round: bigint, hash: Hex): Hex =>
  encodeAbiParameters([{ type: 'uint256' }, { type: 'bytes32' }], [round, hash]);

/** The on-chain tuple for src/pm's hashed fields. */
function onChain(f: HashedTicketFields): Ticket {
  return {
    recipient: f.recipient,
    sender: f.sender,
    faceValue: f.faceValue,
    winProb: f.winProb,
    senderNonce: f.senderNonce,
    recipientRandHash: f.recipientRandHash,
    auxData: aux(f.creationRound, f.creationRoundBlockHash),
  };
}

describe('TicketBroker agrees with src/pm and with viem', () => {
  let env: BrokerEnv;
  let recipient: Address;
  let gateway: PrivateKeyAccount;
  let gatewayKey: Hex;

  before(async () => {
    env = await startBrokerDevnet({ orchestrators: 1 });
    await env.initializedRound();
    let orchs = await env.activeOrchestrators();
    if (orchs.length === 0) {
      await env.devnet.advanceRounds(1);
      orchs = await env.activeOrchestrators();
    }
    const o = orchs[0];
    assert.ok(o, 'need an active orchestrator');
    recipient = o;
    ({ account: gateway, privateKey: gatewayKey } = await env.newKey());
    await env.brokerTx(gateway, 'fundDepositAndReserve', [10n ** 16n, 10n ** 16n], 2n * 10n ** 16n);
  });

  after(async () => {
    await env?.stop();
  });

  test('getTicketHash equals src/pm ticketHash for every line of vectors/pm-tickets.jsonl', async () => {
    const lines = readVectors();
    assert.ok(lines.length > 0);
    for (const [i, v] of lines.entries()) {
      const f: HashedTicketFields = {
        recipient: v.ticket.recipient,
        sender: v.ticket.sender,
        faceValue: BigInt(v.ticket.faceValue),
        winProb: BigInt(v.ticket.winProb),
        senderNonce: BigInt(v.ticket.senderNonce),
        recipientRandHash: v.ticket.recipientRandHash,
        creationRound: BigInt(v.ticket.creationRound),
        creationRoundBlockHash: v.ticket.creationRoundBlockHash,
      };
      const chain = await env.broker<Hex>('getTicketHash', [onChain(f)]);
      assert.equal(chain, v.expect.hash, `line ${i + 1}: contract vs vector`);
      assert.equal(ticketHash(f), chain, `line ${i + 1}: src/pm vs contract`);
    }
  });

  test('getTicketHash on the go-livepeer and pm.md §10.2 vectors', async () => {
    const zero: Address = '0x0000000000000000000000000000000000000000';
    const goDefault: Ticket = {
      recipient: zero,
      sender: zero,
      faceValue: 0n,
      winProb: 0n,
      senderNonce: 0n,
      recipientRandHash: `0x${'00'.repeat(32)}`,
      auxData: aux(10n, keccak256(stringToHex('foo'))),
    };
    assert.equal(
      await env.broker('getTicketHash', [goDefault]),
      '0xe502907c16036ab3d11b78c5a2e93c20f3d6415c67f91de4ed01348182b3b2e2',
    );
    const e2e: Ticket = {
      recipient: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      sender: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      faceValue: 1200000000000000n,
      winProb: 0x6fd91d84bcda58175fdfab3d77a168e2893e4958803b6b57ae84efcbf000n,
      senderNonce: 1n,
      recipientRandHash: '0xdaeb1edce676c6bf116e92b30977d2b5d9e33ce8135eb672f054c38ca91a128e',
      auxData: aux(3500n, keccak256(stringToHex('round-3500-block'))),
    };
    assert.equal(
      await env.broker('getTicketHash', [e2e]),
      '0xc392b397a00a31d88c6b0e616a9a878cb4d2dba9e25ebb0b11c7f02c6dad6ccb',
    );
    assert.equal(
      await env.broker('getTicketHash', [{ ...e2e, winProb: MAX_WIN_PROB }]),
      '0x417c0515f14c89b80e403eb557c2f3f45be05730c88f0d819c85cc894d1e5327',
    );
  });

  /** Builds a ticket the way an orchestrator and a gateway using src/pm would. */
  async function pmTicket(nonce: bigint) {
    const round = await env.initializedRound();
    const blockHash = await env.rounds<Hex>('blockHashForRound', [round]);
    const secret = randomBytes(32);
    const faceValue = 10n ** 15n;
    const rand = recipientRand(secret, {
      seed: BigInt(`0x${randomBytes(32).toString('hex')}`),
      sender: gateway.address,
      faceValue,
      winProb: MAX_WIN_PROB,
      expirationBlock: (await env.pub.getBlockNumber()) + 40n,
      price: { pricePerUnit: 1200n, pixelsPerUnit: 1n },
      expirationParams: { creationRound: round, creationRoundBlockHash: blockHash },
    });
    const fields: HashedTicketFields = {
      recipient,
      sender: gateway.address,
      faceValue,
      winProb: MAX_WIN_PROB,
      senderNonce: nonce,
      recipientRandHash: recipientRandHash(rand),
      creationRound: round,
      creationRoundBlockHash: blockHash,
    };
    return { fields, rand, hash: ticketHash(fields) };
  }

  async function redeemAndCheck(fields: HashedTicketFields, sig: Hex, rand: bigint) {
    const t = onChain(fields);
    const hash = packedTicketHash(t);
    const before = (await env.senderInfo(gateway.address)).deposit;
    const r = await env.brokerTx(recipient, 'redeemWinningTicket', [t, sig, rand]);
    const names = env.brokerEvents(r).map((e) => e.eventName);
    assert.deepEqual(names, ['WinningTicketTransfer', 'WinningTicketRedeemed']);
    assert.equal(await env.broker<boolean>('usedTickets', [hash]), true);
    assert.equal(before - (await env.senderInfo(gateway.address)).deposit, fields.faceValue);
  }

  test('a ticket signed by src/pm redeems', async () => {
    const { fields, rand, hash } = await pmTicket(1n);
    assert.equal(await env.broker('getTicketHash', [onChain(fields)]), hash);
    const signer = localTicketSigner(gatewayKey);
    assert.equal(signer.address, gateway.address);
    const sig = await signer.sign(hexToBytes(hash));
    assert.equal(sig.length, 65);
    assert.ok(isWinningTicket(sig, rand, fields.winProb));
    await redeemAndCheck(fields, bytesToHex(sig), rand);
  });

  test('a ticket signed independently with viem redeems, and viem and src/pm signatures are identical', async () => {
    const { fields, rand, hash } = await pmTicket(2n);
    const sig = await signTicketViem(gateway, hash);
    const pmSig = await localTicketSigner(gatewayKey).sign(hexToBytes(hash));
    assert.equal(bytesToHex(pmSig), sig, 'RFC 6979: same key and hash give the same signature');
    await redeemAndCheck(fields, sig, rand);
  });
});
