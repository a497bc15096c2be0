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

test('jsonDeeperThan jumps over strings as a character-by-character scan reads them', () => {
  // Reference: the plain scan (a backslash inside a string skips the next character).
  const reference = (text: string, maxDepth: number): boolean => {
    let depth = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') {
        if (++depth > maxDepth) return true;
      } else if (c === '}' || c === ']') depth--;
    }
    return false;
  };
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const alphabet = ['"', '\\', '[', ']', '{', '}', 'a', ',', ':'];
  for (let t = 0; t < 5000; t++) {
    const text = Array.from({ length: 1 + rand(40) }, () => alphabet[rand(alphabet.length)]).join('');
    for (const max of [0, 1, 2, 4]) assert.equal(jsonDeeperThan(text, max), reference(text, max), `${JSON.stringify(text)} at ${max}`);
  }
});

test('jsonDeeperThan: bodies with few brackets skip the scan, with the same verdicts', () => {
  // Exactly the limit's openers, some inside strings: never deeper; one more real one: deeper.
  assert.equal(jsonDeeperThan(`{"a":"[[{",${'['.repeat(60)}${']'.repeat(60)}}`, 64), false);
  assert.equal(jsonDeeperThan(nested(3), 3), false);
  assert.equal(jsonDeeperThan(nested(4), 3), true);
  // More openers than the limit, mostly in strings: the full scan decides.
  assert.equal(jsonDeeperThan(JSON.stringify({ p: '{'.repeat(100), q: [[[1]]] }), 4), false);
  assert.equal(jsonDeeperThan(JSON.stringify({ p: '{'.repeat(100), q: [[[[1]]]] }), 4), true);
  assert.equal(jsonDeeperThan('', 0), false);
  assert.equal(jsonDeeperThan('{}', 0), true);
});
