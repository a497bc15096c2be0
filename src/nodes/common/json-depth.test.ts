import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDeeperThan } from './json-depth.js';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

test('jsonDeeperThan counts nesting, not brackets inside strings', () => {
  assert.equal(jsonDeeperThan(nested(64), 64), false);
  assert.equal(jsonDeeperThan(nested(65), 64), true);
  assert.equal(jsonDeeperThan(`{"a":${nested(63)}}`, 64), false);
  assert.equal(jsonDeeperThan(`{"a":${nested(64)}}`, 64), true);
  // Siblings do not add up.
  assert.equal(jsonDeeperThan(`[${Array(1000).fill(nested(3)).join(',')}]`, 4), false);
  // Brackets in strings, and escaped quotes that do not end the string, are not nesting.
  assert.equal(jsonDeeperThan(JSON.stringify({ p: '['.repeat(500) }), 2), false);
  assert.equal(jsonDeeperThan(JSON.stringify({ p: '\\"' + '{'.repeat(500) }), 2), false);
  assert.equal(jsonDeeperThan(`{"p":"\\\\"${'['.repeat(3)}`, 2), true, 'an escaped backslash then a real quote ends the string');
});
