// How a go-livepeer orchestrator words a runner (container) failure: its ai/worker client turns
// every non-2xx runner answer into "<name> container returned <status>: <message>" and the
// orchestrator answers the gateway 500 with that text. A Go gateway finds "returned 400" in it and
// answers its client 400 (server/ai_process.go parseBadRequestError); our gateway reads the status
// back with src/nodes/gateway/golivepeer-errors.ts.
import type { RunnerPipeline } from './api.js';

/** go-livepeer's pipeline names in those texts (ai/worker/worker.go). */
export const GO_CONTAINER_NAMES: Readonly<Record<RunnerPipeline, string>> = {
  'text-to-image': 'text-to-image',
  'image-to-image': 'image-to-image',
  'image-to-video': 'image-to-video',
  upscale: 'upscale',
  'audio-to-text': 'audio-to-text',
  llm: 'LLM',
  'segment-anything-2': 'segment anything 2',
  'image-to-text': 'image-to-text',
  'text-to-speech': 'text-to-speech',
};

/** go-livepeer's fixed message for a 413 (its runner client does not read the body). */
export const GO_CONTAINER_413 = 'file too large; max file size is 50MB';

/**
 * The text a go-livepeer orchestrator answers for a runner's non-2xx `status`: the runner's
 * detail.msg, except 422 (the validation body as JSON) and 413 (a fixed text). go-livepeer's
 * image-to-text variants drop the colon (413) or double a space (422); we do not copy those typos —
 * a Go gateway only looks for "returned 400".
 */
export function goContainerErrorText(pipeline: RunnerPipeline, status: number, runnerMessage: string, body?: unknown): string {
  let message = runnerMessage;
  if (status === 413) message = GO_CONTAINER_413;
  else if (status === 422 && body !== undefined && typeof body === 'object' && body !== null) message = JSON.stringify(body);
  return `${GO_CONTAINER_NAMES[pipeline]} container returned ${status}: ${message}`;
}
