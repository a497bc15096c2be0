import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LivepeerError, defineErrorCodes, errorCode, isErrorCatalogue, isLivepeerError, walk, type CodeOf } from './index.js';

const codes = defineErrorCodes('test', { A_CODE: 'first', B_CODE: 'second' }, { 'X_<y>': 'family' });
type Code = CodeOf<typeof codes>;
class TestError extends LivepeerError<Code> {
  override name = 'TestError';
}

describe('LivepeerError', () => {
  it('keeps the message as given (wire texts), with code, fatal, status, details and cause', () => {
    const cause = new Error('socket hang up');
    const e = new TestError('A_CODE', 'insufficient capacity', { status: 503, cause });
    assert.equal(e.message, 'insufficient capacity');
    assert.equal(e.code, 'A_CODE');
    assert.equal(e.fatal, false);
    assert.equal(e.status, 503);
    assert.equal(e.details, 'socket hang up', 'details default to the cause message');
    assert.equal(e.cause, cause);
    assert.equal(e.name, 'TestError');
    assert.ok(e instanceof Error && isLivepeerError(e));
    assert.equal(errorCode(e), 'A_CODE');
    assert.equal(errorCode(new Error('x')), undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(e)), { name: 'TestError', code: 'A_CODE', message: 'insufficient capacity', fatal: false, status: 503, details: 'socket hang up' });
  });

  it('details of a wrapped LivepeerError are its details; explicit details win', () => {
    const inner = new TestError('B_CODE', 'inner', { details: 'the root' });
    assert.equal(new TestError('A_CODE', 'outer', { cause: inner }).details, 'the root');
    assert.equal(new TestError('A_CODE', 'outer', { cause: inner, details: 'mine', fatal: true }).details, 'mine');
  });

  it('walk finds a cause by predicate, or the deepest one; a cycle cannot hang it', () => {
    const root = new RangeError('root');
    const mid = new TestError('B_CODE', 'mid', { cause: root });
    const top = new TestError('A_CODE', 'top', { cause: mid });
    assert.equal(top.walk((e) => e instanceof TestError && e.code === 'B_CODE'), mid);
    assert.equal(top.walk(), root);
    assert.equal(top.walk((e) => e instanceof SyntaxError), null);
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    assert.equal(walk(a, () => false), null);
  });

  it('catalogues are branded and frozen', () => {
    assert.ok(isErrorCatalogue(codes));
    assert.ok(!isErrorCatalogue({ scope: 'x', codes: {} }));
    assert.deepEqual(Object.keys(codes.codes), ['A_CODE', 'B_CODE']);
    assert.ok(Object.isFrozen(codes.codes));
    assert.equal(codes.families['X_<y>'], 'family');
  });
});
