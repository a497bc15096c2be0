// Invariant 28 (contracts.md §10.10): every function and event of the node-facing bindings in
// src/eth has the same selector/topic, output shape and indexed flags in the golden ABIs
// (test/fixtures/abi, the deployed contracts) and in our build (build/contracts); the core contracts
// (Controller, LivepeerToken, Minter, RoundsManager, ServiceRegistry) match their golden ABI fully.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toEventSelector, toFunctionSelector, type Abi, type AbiEvent, type AbiFunction, type AbiParameter } from 'viem';
import {
  artifact,
  bondingManagerAbi,
  controllerAbi,
  livepeerTokenAbi,
  minterAbi,
  roundsManagerAbi,
  serviceRegistryAbi,
  ticketBrokerAbi,
} from '../../src/eth/index.js';
import { goldenAbi } from '../fixtures.js';

const golden = goldenAbi;

/** Canonical type of a parameter, tuples expanded: what selectors and decoders depend on. */
function typeOf(p: AbiParameter): string {
  if (p.type.startsWith('tuple')) {
    const comps = (p as { components: readonly AbiParameter[] }).components;
    return `(${comps.map(typeOf).join(',')})${p.type.slice(5)}`;
  }
  return p.type;
}

const fnKey = (f: AbiFunction) => toFunctionSelector(f);
const evKey = (e: AbiEvent) => toEventSelector(e);

function functions(abi: Abi): Map<string, AbiFunction> {
  return new Map(abi.filter((x): x is AbiFunction => x.type === 'function').map((f) => [fnKey(f), f]));
}
function events(abi: Abi): Map<string, AbiEvent> {
  return new Map(abi.filter((x): x is AbiEvent => x.type === 'event').map((e) => [evKey(e), e]));
}

function sameFunction(ours: AbiFunction, theirs: AbiFunction, where: string): void {
  assert.deepEqual(ours.outputs.map(typeOf), theirs.outputs.map(typeOf), `${where}: outputs of ${ours.name}`);
  const mut = (m: string) => (m === 'pure' ? 'view' : m); // pure vs view does not change the call
  assert.equal(mut(ours.stateMutability), mut(theirs.stateMutability), `${where}: mutability of ${ours.name}`);
}

function sameEvent(ours: AbiEvent, theirs: AbiEvent, where: string): void {
  assert.deepEqual(
    ours.inputs.map((i) => [typeOf(i), i.indexed === true]),
    theirs.inputs.map((i) => [typeOf(i), i.indexed === true]),
    `${where}: indexed flags of ${ours.name}`,
  );
  assert.equal(ours.anonymous ?? false, theirs.anonymous ?? false);
}

const bindings: { name: string; golden: string; artifact: string; abi: Abi }[] = [
  { name: 'Controller', golden: 'controller', artifact: 'Controller', abi: controllerAbi },
  { name: 'RoundsManager', golden: 'roundsManager', artifact: 'RoundsManager', abi: roundsManagerAbi },
  { name: 'Minter', golden: 'minter', artifact: 'Minter', abi: minterAbi },
  { name: 'LivepeerToken', golden: 'livepeerToken', artifact: 'LivepeerToken', abi: livepeerTokenAbi },
  { name: 'ServiceRegistry', golden: 'serviceRegistry', artifact: 'ServiceRegistry', abi: serviceRegistryAbi },
  { name: 'BondingManager', golden: 'bondingManager', artifact: 'BondingManager', abi: bondingManagerAbi },
  { name: 'TicketBroker', golden: 'ticketBroker', artifact: 'TicketBroker', abi: ticketBrokerAbi },
];

describe('node-facing bindings = golden ABI = our build (invariant 28)', () => {
  for (const b of bindings) {
    it(`${b.name}: selectors, topics, outputs, indexed flags`, () => {
      const gold = { fns: functions(golden(b.golden)), evs: events(golden(b.golden)) };
      const built = { fns: functions(artifact(b.artifact).abi), evs: events(artifact(b.artifact).abi) };
      let count = 0;
      for (const [sel, f] of functions(b.abi)) {
        const g = gold.fns.get(sel);
        assert.ok(g, `${b.name}.${f.name} (${sel}) is not in the golden ABI`);
        sameFunction(f, g, 'binding vs golden');
        const o = built.fns.get(sel);
        assert.ok(o, `${b.name}.${f.name} (${sel}) is not in build/contracts/${b.artifact}.json`);
        sameFunction(o, g, 'build vs golden');
        count++;
      }
      for (const [topic, e] of events(b.abi)) {
        const g = gold.evs.get(topic);
        assert.ok(g, `${b.name} event ${e.name} (${topic}) is not in the golden ABI`);
        sameEvent(e, g, 'binding vs golden');
        const o = built.evs.get(topic);
        assert.ok(o, `${b.name} event ${e.name} is not emitted by build/contracts/${b.artifact}.json`);
        sameEvent(o, g, 'build vs golden');
        count++;
      }
      assert.ok(count > 0);
    });
  }

  it('the selectors and topics listed in contracts.md’s appendix', () => {
    const sel = (abi: Abi, name: string) => toFunctionSelector(abi.find((x): x is AbiFunction => x.type === 'function' && x.name === name)!);
    const topic = (abi: Abi, name: string) => toEventSelector(abi.find((x): x is AbiEvent => x.type === 'event' && x.name === name)!);
    assert.equal(sel(controllerAbi, 'getContract'), '0xe16c7d98');
    assert.equal(sel(roundsManagerAbi, 'initializeRound'), '0xd4807fb2');
    assert.equal(sel(bondingManagerAbi, 'bondWithHint'), '0x6bd9add4');
    assert.equal(sel(bondingManagerAbi, 'withdrawFees'), '0xad3b1b47');
    assert.equal(sel(ticketBrokerAbi, 'redeemWinningTicket'), '0xec8b3cb6');
    assert.equal(sel(ticketBrokerAbi, 'getSenderInfo'), '0xe1a589da');
    assert.equal(topic(roundsManagerAbi, 'NewRound'), '0x22f2fc17c5daf07db2379b3a03a8ef20a183f761097a58fce219c8a14619e786');
    assert.equal(topic(ticketBrokerAbi, 'WinningTicketTransfer'), '0x8b87351a208c06e3ceee59d80725fd77a23b4129e1b51ca231fc89b40712649c');
    assert.equal(topic(serviceRegistryAbi, 'ServiceURIUpdate'), '0xfbb63068732c85741c9f8e61caffaabe038d577bfafd2d2dcc0e352a4f653a4c');
    assert.equal(topic(bondingManagerAbi, 'TranscoderActivated'), '0x65d72d782835d64c3287844a829608d5abdc7e864cc9affe96d910ab3db665e9');
  });
});

describe('core contracts match their golden ABI in full', () => {
  for (const b of bindings.slice(0, 5)) {
    it(`${b.name}: every golden function and event exists with the same shape`, () => {
      const gold = golden(b.golden);
      const built = { fns: functions(artifact(b.artifact).abi), evs: events(artifact(b.artifact).abi) };
      for (const [sel, g] of functions(gold)) {
        const o = built.fns.get(sel);
        assert.ok(o, `${b.name}.${g.name} (${sel}) missing from our build`);
        sameFunction(o, g, b.name);
      }
      for (const [topic, g] of events(gold)) {
        const o = built.evs.get(topic);
        assert.ok(o, `${b.name} event ${g.name} missing from our build`);
        sameEvent(o, g, b.name);
      }
      const errs = (abi: Abi) => abi.filter((x) => x.type === 'error').map((x) => JSON.stringify(x)).sort();
      assert.deepEqual(errs(artifact(b.artifact).abi), errs(gold), `${b.name}: custom errors`);
      const ctor = (abi: Abi) => abi.find((x) => x.type === 'constructor');
      assert.deepEqual(
        (ctor(artifact(b.artifact).abi) as { inputs?: AbiParameter[] } | undefined)?.inputs?.map(typeOf) ?? [],
        (ctor(gold) as { inputs?: AbiParameter[] } | undefined)?.inputs?.map(typeOf) ?? [],
        `${b.name}: constructor`,
      );
    });
  }
});
