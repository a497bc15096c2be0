import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlags, UsageError } from './flags.js';
import { verbosityToLevel } from './verbosity.js';

describe('-v (glog verbosity)', () => {
  it('maps go-livepeer numbers to pino levels; accepts level names', () => {
    assert.equal(verbosityToLevel('0'), 'info');
    assert.equal(verbosityToLevel('3'), 'info');
    assert.equal(verbosityToLevel('4'), 'info');
    assert.equal(verbosityToLevel('5'), 'debug');
    assert.equal(verbosityToLevel('6'), 'trace');
    assert.equal(verbosityToLevel('99'), 'trace');
    assert.equal(verbosityToLevel('warn'), 'warn');
    assert.equal(verbosityToLevel('silent'), 'silent');
    for (const bad of ['-1', '2.5', 'loud', '']) assert.throws(() => verbosityToLevel(bad), UsageError, bad);
  });

  it('parses as go-livepeer writes it: -v 6, -v=6, --v 6', () => {
    const specs = { v: { kind: 'string', description: '', default: '3' } } as const;
    for (const argv of [['-v', '6'], ['-v=6'], ['--v', '6']]) {
      assert.equal(verbosityToLevel(parseFlags(argv, specs).flags.v ?? '3'), 'trace', argv.join(' '));
    }
    assert.equal(verbosityToLevel(parseFlags([], specs).flags.v ?? '3'), 'info');
  });
});
