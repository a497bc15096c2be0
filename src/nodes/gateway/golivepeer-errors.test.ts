// go-livepeer's runner failure texts, read in the one compatibility table (golivepeer-errors.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goContainerErrorText, GO_CONTAINER_NAMES, type RunnerPipeline } from '../../ai/index.js';
import { classifyFailure } from './attempt-failure.js';
import { goLivepeerRefusal, goLivepeerRunnerStatus } from './golivepeer-errors.js';

const none = { code: undefined, reason: undefined };

describe('go-livepeer runner failure texts', () => {
  it("reads the runner status out of every pipeline's text (as go-livepeer words them)", () => {
    for (const p of Object.keys(GO_CONTAINER_NAMES) as RunnerPipeline[]) {
      for (const status of [400, 401, 413, 415, 422, 500]) {
        assert.equal(goLivepeerRunnerStatus(goContainerErrorText(p, status, 'msg', { detail: [] })), status);
      }
    }
    // go-livepeer's own variants: image-to-text's 413 has no colon, its 422 a doubled space; the
    // streaming llm path wraps the text in "unexpected status code: …, body: …".
    assert.equal(goLivepeerRunnerStatus('image-to-text container returned 413 file too large; max file size is 50MB'), 413);
    assert.equal(goLivepeerRunnerStatus('image-to-text  container returned 422: {"detail":[]}'), 422);
    assert.equal(goLivepeerRunnerStatus('unexpected status code: 500, body: LLM container returned 400: bad'), 400);
    assert.equal(goLivepeerRunnerStatus('Insufficient balance'), undefined);
  });

  it("decides by the status it read: the runner refusing the request is the client's, the rest the orchestrator's", () => {
    const text = (s: number) => goContainerErrorText('upscale', s, 'm');
    for (const s of [400, 413, 415, 422]) assert.deepEqual(goLivepeerRefusal(500, text(s)), { code: 'RUNNER_REJECTED', reason: `RUNNER_${s}` }, String(s));
    for (const s of [401, 500, 503]) assert.deepEqual(goLivepeerRefusal(500, text(s)), { code: 'RUNNER_FAILED', reason: `RUNNER_${s}` }, String(s));
    assert.equal(goLivepeerRefusal(400, text(400)), undefined, 'only an orchestrator 5xx carries a runner failure');
    assert.equal(goLivepeerRefusal(500, 'runner unavailable'), undefined);
  });

  it('the gateway classification follows it (a 500 is otherwise "server", retried elsewhere)', () => {
    assert.equal(classifyFailure(500, none, goContainerErrorText('llm', 400, 'pipeline configured with a but called with b')).kind, 'client');
    assert.equal(classifyFailure(500, none, goContainerErrorText('llm', 500, 'oom')).kind, 'server');
    assert.equal(classifyFailure(500, none, 'something else broke').kind, 'server');
  });
});
