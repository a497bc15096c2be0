import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOrchestratorConfig } from '../nodes/orchestrator/config.js';
import { parseFlags, UsageError } from './flags.js';
import { aiServiceRegistryFlagSpec, bareFlagAsTrue, parseAiServiceRegistryFlag } from './registry-flag.js';

const specs = { aiServiceRegistry: aiServiceRegistryFlagSpec, network: { kind: 'string', description: '' } } as const;
const parse = (argv: string[]) => parseAiServiceRegistryFlag(parseFlags(bareFlagAsTrue(argv, 'aiServiceRegistry'), specs).flags.aiServiceRegistry);
const ADDR = '0x04C0b249740175999E5BF5c9ac1dA92431EF34C5';

describe('-aiServiceRegistry', () => {
  it('takes go-livepeer’s boolean spellings and an address', () => {
    assert.equal(parse([]), undefined);
    assert.equal(parse(['-aiServiceRegistry']), true);
    assert.equal(parse(['-aiServiceRegistry', '-network', 'devnet']), true);
    assert.equal(parse(['--aiServiceRegistry']), true);
    assert.equal(parse(['-aiServiceRegistry=true']), true);
    assert.equal(parse(['-aiServiceRegistry=false']), false);
    assert.equal(parse(['-aiServiceRegistry', 'false']), false);
    assert.equal(parse(['-aiServiceRegistry', ADDR]), ADDR);
    assert.equal(parse([`-aiServiceRegistry=${ADDR}`]), ADDR);
  });

  it('refuses anything else with a usage error', () => {
    assert.throws(() => parse(['-aiServiceRegistry=0x1234']), UsageError);
    assert.throws(() => parse(['-aiServiceRegistry', 'yes']), UsageError);
  });

  it('the orchestrator calls reward by default (go-livepeer: on for a registered transcoder), and not with reward=false', () => {
    assert.equal(parseOrchestratorConfig({ aiModels: 'llm:m:true' }).reward, true);
    assert.equal(parseOrchestratorConfig({ aiModels: 'llm:m:true', reward: false }).reward, false);
    assert.equal(parseOrchestratorConfig({ aiModels: 'llm:m:true' }).aiServiceRegistry, undefined);
    assert.equal(parseOrchestratorConfig({ aiModels: 'llm:m:true', aiServiceRegistry: ADDR }).aiServiceRegistry, ADDR);
    assert.throws(() => parseOrchestratorConfig({ aiModels: 'llm:m:true', aiServiceRegistry: '0x12' as never }), /aiServiceRegistry/);
  });
});
