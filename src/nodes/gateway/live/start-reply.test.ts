// The orchestrator's live start reply: go-livepeer's orchestrator sends absolute URLs; paths
// (older orchestrators, other implementations) resolve against the transcoder's origin.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StartReplyError, parseStartReply } from './start-reply.js';
import { parseStartRequest } from './routes.js';

const T = 'https://127.0.0.1:8935';

describe('parseStartReply', () => {
  it('keeps absolute URLs as they are', () => {
    const u = parseStartReply(
      {
        publish_url: 'https://o.example:9000/ai/trickle/ab12cd34',
        subscribe_url: 'https://o.example:9000/ai/trickle/ab12cd34-out',
        control_url: 'http://o.example:9000/ai/trickle/ab12cd34-control',
        events_url: 'https://o.example:9000/ai/trickle/ab12cd34-events/',
        manifest_id: 'ab12cd34',
      },
      T,
    );
    assert.deepEqual(u, {
      publishUrl: 'https://o.example:9000/ai/trickle/ab12cd34',
      subscribeUrl: 'https://o.example:9000/ai/trickle/ab12cd34-out',
      controlUrl: 'http://o.example:9000/ai/trickle/ab12cd34-control',
      eventsUrl: 'https://o.example:9000/ai/trickle/ab12cd34-events',
      manifestId: 'ab12cd34',
    });
  });

  it('puts paths under the transcoder origin, with or without a leading slash', () => {
    const u = parseStartReply({ publish_url: '/ai/trickle/m', subscribe_url: 'ai/trickle/m-out', control_url: '/ai/trickle/m-control', events_url: '/ai/trickle/m-events', manifest_id: 'm' }, `${T}/some/base`);
    assert.equal(u.publishUrl, `${T}/ai/trickle/m`);
    assert.equal(u.subscribeUrl, `${T}/ai/trickle/m-out`);
    assert.equal(u.controlUrl, `${T}/ai/trickle/m-control`);
    assert.equal(u.eventsUrl, `${T}/ai/trickle/m-events`);
  });

  it('refuses a reply without a manifest id or a URL, or with another scheme', () => {
    assert.throws(() => parseStartReply({ publish_url: '/a', subscribe_url: '/b', control_url: '/c', events_url: '/d' }, T), StartReplyError);
    assert.throws(() => parseStartReply({ publish_url: '/a', subscribe_url: '/b', control_url: '/c', manifest_id: 'm' }, T), /events_url/);
    assert.throws(() => parseStartReply({ publish_url: 'ftp://x/a', subscribe_url: '/b', control_url: '/c', events_url: '/d', manifest_id: 'm' }, T), /not http/);
    assert.throws(() => parseStartReply('nope', T), StartReplyError);
  });
});

describe('parseStartRequest', () => {
  it('reads JSON {model_id, params}', () => {
    assert.deepEqual(parseStartRequest({ model_id: 'cpu', params: { filter: 'grayscale' } }, {}), { modelId: 'cpu', params: { filter: 'grayscale' } });
  });
  it('reads go-livepeer\'s query variant and the MediaMTX form\'s query field, noop by default', () => {
    assert.deepEqual(parseStartRequest(undefined, { pipeline: 'cpu', params: '{"filter":"edge"}' }), { modelId: 'cpu', params: { filter: 'edge' } });
    assert.deepEqual(parseStartRequest({ source_id: 'x', source_type: 'rtmpConn', query: 'pipeline=cpu&params=%7B%22filter%22%3A%22hflip%22%7D' }, {}), { modelId: 'cpu', params: { filter: 'hflip' } });
    assert.deepEqual(parseStartRequest({}, {}), { modelId: 'noop', params: {} });
  });
  it('refuses params that are not a JSON object', () => {
    assert.throws(() => parseStartRequest({ params: '[1]' }, {}), /JSON object/);
    assert.throws(() => parseStartRequest(undefined, { params: '{' }), /not JSON/);
  });
});
