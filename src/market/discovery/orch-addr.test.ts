import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBlocklisted, normalizeServiceUri, parseOrchAddrList, parseOrchBlocklist, staticSource } from './orch-addr.js';

describe('-orchAddr parsing (go-livepeer parseOrchAddrs)', () => {
  it('adds :8935 to a bare host, 127.0.0.1 to ":port", https:// when no scheme; keeps http://', () => {
    const { urls, dropped } = parseOrchAddrList('o1.example, :9000 ,http://127.0.0.1:7000,https://o1.example:8935, o2.example:1234');
    assert.deepEqual(urls, ['https://o1.example:8935', 'https://127.0.0.1:9000', 'http://127.0.0.1:7000', 'https://o2.example:1234']);
    assert.deepEqual(dropped, []);
  });

  it('logs-and-drops bad entries instead of refusing the whole list', () => {
    const { urls, dropped } = parseOrchAddrList(['ftp://x:1', 'good.example', 'http://', 'https://[::1']);
    assert.deepEqual(urls, ['https://good.example:8935']);
    assert.deepEqual(
      dropped.map((d) => d.entry),
      ['ftp://x:1', 'http://', 'https://[::1'],
    );
  });

  it('drops a path and keeps one copy of duplicates', () => {
    assert.equal(normalizeServiceUri('https://a.example:9/some/path'), 'https://a.example:9');
    assert.deepEqual(parseOrchAddrList('a.example,https://a.example:8935').urls, ['https://a.example:8935']);
  });

  it('the static source lists the URLs as trusted entries', async () => {
    assert.deepEqual(await staticSource(['https://a:1']).list(), [{ url: 'https://a:1', score: 1 }]);
  });
});

describe('-orchBlocklist (go-livepeer parseOrchBlacklist)', () => {
  it('matches lower-case hex with or without 0x', () => {
    const bl = parseOrchBlocklist(' 0xAbCdEf0000000000000000000000000000000001 ,abcdef0000000000000000000000000000000002,');
    assert.equal(bl.size, 2);
    assert.ok(isBlocklisted(bl, '0xabcdef0000000000000000000000000000000001'));
    assert.ok(isBlocklisted(bl, '0xABCDEF0000000000000000000000000000000002'));
    assert.ok(!isBlocklisted(bl, '0xabcdef0000000000000000000000000000000003'));
    assert.ok(!isBlocklisted(bl, undefined));
  });
});
