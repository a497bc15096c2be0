// BondingManager's compiled ABI against the golden (deployed) ABI, the selectors and topics listed in
// contracts.md's appendix, the dispatcher in the bytecode, and the 24 KiB code-size limit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toEventSelector, toFunctionSelector, type Abi, type AbiEvent, type AbiFunction, type AbiParameter } from 'viem';
import { artifact } from '../../src/eth/index.js';
import { gold } from './helpers-bonding.js';

const EIP170_LIMIT = 24_576;

/** A canonical line per ABI entry: name, input types (+indexed), output types and names, mutability. */
function describeEntry(e: AbiFunction | AbiEvent): string {
  const param = (p: AbiParameter & { indexed?: boolean }) => `${p.type}${p.indexed ? ' indexed' : ''}`;
  if (e.type === 'event') return `event ${e.name}(${e.inputs.map(param).join(',')})${e.anonymous ? ' anonymous' : ''}`;
  const outs = e.outputs.map((o) => `${o.type} ${o.name ?? ''}`.trim()).join(',');
  return `function ${e.name}(${e.inputs.map(param).join(',')}) ${e.stateMutability} returns (${outs})`;
}

function entries(abi: Abi): string[] {
  return abi
    .filter((e): e is AbiFunction | AbiEvent => e.type === 'function' || e.type === 'event')
    .map(describeEntry)
    .sort();
}

// contracts.md appendix, "BondingManager" (withdrawFees() without arguments is the legacy L1 one: absent).
const SELECTORS: Record<string, string> = {
  b78d27dc: 'bond',
  '6bd9add4': 'bondWithHint',
  ee4e804a: 'bondForWithHint',
  '27de9e32': 'unbond',
  '9500ed9b': 'unbondWithHint',
  eaffb3f9: 'rebond',
  '7fc4606f': 'rebondWithHint',
  '3a080e93': 'rebondFromUnbonded',
  '0584a373': 'rebondFromUnbondedWithHint',
  '25d5971f': 'withdrawStake',
  ad3b1b47: 'withdrawFees',
  '24b1babf': 'claimEarnings',
  '228cb733': 'reward',
  '81871056': 'rewardWithHint',
  '43d3461a': 'transcoder',
  '3550aa10': 'transcoderWithHint',
  '3aeb512c': 'updateTranscoderWithFees',
  '713f2216': 'setCurrentRoundTotalActiveStake',
  '5dce9948': 'getTranscoder',
  a64ad595: 'getDelegator',
  '412f83b6': 'getDelegatorUnbondingLock',
  '24454fc4': 'getTranscoderEarningsPoolForRound',
  '88a6c749': 'getFirstTranscoderInPool',
  '235c9603': 'getNextTranscoderInPool',
  '2a4e0d55': 'getTranscoderPoolSize',
  '5a2a75a9': 'getTranscoderPoolMaxSize',
  '9ef9df94': 'transcoderTotalStake',
  '8b2f1652': 'transcoderStatus',
  '1544fc67': 'delegatorStatus',
  '08802374': 'isActiveTranscoder',
  '68ba170c': 'isRegisteredTranscoder',
  '0fd02fc1': 'isValidUnbondingLock',
  '5c50c356': 'getTotalBonded',
  '9d0b2c7a': 'pendingStake',
  f595f1cc: 'pendingFees',
  '6cf6d675': 'unbondingPeriod',
  '4196ee75': 'currentRoundTotalActiveStake',
  '465501d3': 'nextRoundTotalActiveStake',
  '673a456b': 'setNumActiveTranscoders',
  f10d1de1: 'setUnbondingPeriod',
  '062e98b8': 'transferBond',
  d52bd62b: 'checkpointBondingState',
  '22bf9d7c': 'slashTranscoder',
  '558f8f44': 'treasuryRewardCutRate',
  a5766231: 'nextRoundTreasuryRewardCutRate',
  '84a16bbc': 'treasuryBalanceCeiling',
  cf33a0d5: 'setTreasuryRewardCutRate',
  '40e6f271': 'setTreasuryBalanceCeiling',
  f77c4791: 'controller',
  '92eefe9b': 'setController',
  '51720b41': 'targetContractId',
};

// Events go-livepeer's block watcher filters on (full topics), plus the other BondingManager ones (prefixes).
const TOPICS: Record<string, string> = {
  TranscoderActivated: '0x65d72d782835d64c3287844a829608d5abdc7e864cc9affe96d910ab3db665e9',
  TranscoderDeactivated: '0xfee3e693fc72d0a0a673805f3e606c551f4c677b9072444b90dd2d0406bc995c',
  Unbond: '0x2d5d98d189bee5496a08db2a5948cb7e5e786f09d17d0c3f228eb41776c24a06',
  Rebond: '0x9f5b64cc71e1e26ff178caaa7877a04d8ce66fde989251870e80e6fbee690c17',
  WithdrawStake: '0x1340f1a8f3d456a649e1a12071dfa15655e3d09252131d0f980c3b405cc8dd2e',
  Bond: '0xe5917769',
  Reward: '0x619caafa',
  TranscoderUpdate: '0x73468544',
  EarningsClaimed: '0xd7eab076',
  WithdrawFees: '0x4f1b51dd',
  TransferBond: '0xf136b986',
  TreasuryReward: '0x40e20071',
  TranscoderSlashed: '0xf4b71fed',
  ParameterUpdate: '0x9f5033568d78ae30f29f01e944f97b2216493bd19d1b46d429673acff3dcd674',
  SetController: '0x4ff638452bbf33c012645d18ae6f05515ff5f2d1dfb0cece8cbf018c60903f70',
};

describe('BondingManager ABI and bytecode', () => {
  const built = artifact('BondingManager');

  test('every function and event equals the golden ABI (types, output names, mutability, indexed flags), nothing extra', () => {
    assert.deepEqual(entries(built.abi), entries(gold.bondingManager));
    const ctor = (abi: Abi) => abi.find((e) => e.type === 'constructor');
    assert.deepEqual(ctor(built.abi), ctor(gold.bondingManager));
  });

  test('the selectors of contracts.md are in the ABI and in the dispatcher', () => {
    const fns = built.abi.filter((e): e is AbiFunction => e.type === 'function');
    const bySelector = new Map(fns.map((f) => [toFunctionSelector(f).slice(2), f.name]));
    const code = built.deployedBytecode.toLowerCase();
    for (const [selector, name] of Object.entries(SELECTORS)) {
      assert.equal(bySelector.get(selector), name, `selector ${selector}`);
      assert.ok(code.includes(`63${selector}`), `dispatcher has no PUSH4 ${selector} (${name})`);
    }
    assert.equal(fns.length, Object.keys(SELECTORS).length, 'every function is listed');
  });

  test('event topics match contracts.md', () => {
    const events = built.abi.filter((e): e is AbiEvent => e.type === 'event');
    for (const [name, topic] of Object.entries(TOPICS)) {
      const ev = events.find((e) => e.name === name);
      assert.ok(ev, `event ${name}`);
      assert.ok(toEventSelector(ev).startsWith(topic), `${name}: ${toEventSelector(ev)} vs ${topic}`);
    }
  });

  test('deployed bytecode fits the 24 KiB limit', (t) => {
    const size = (built.deployedBytecode.length - 2) / 2;
    t.diagnostic(`BondingManager deployedBytecode: ${size} bytes (limit ${EIP170_LIMIT})`);
    assert.ok(size > 0 && size <= EIP170_LIMIT, `${size} bytes`);
  });
});
