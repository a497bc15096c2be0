// Server-sent events, as the ai-runner streams LLM output: `data: <json>\n\n` per event, ending
// with `data: [DONE]`. Only `data:` fields matter here; comments and other fields are skipped.
import type { LlmResponse } from './api.js';

/** Largest single event we accept, so a runner that never sends a blank line cannot grow memory forever. */
export const MAX_SSE_EVENT_BYTES = 4 * 1024 * 1024;

/** Yields the data payload of each event (multi-line data joined with "\n"). */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    if (buf.length > MAX_SSE_EVENT_BYTES) throw new RangeError(`SSE event larger than ${MAX_SSE_EVENT_BYTES} bytes`);
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (line === '') {
        if (data.length) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      }
    }
  }
  buf += decoder.decode();
  if (buf.startsWith('data:')) data.push(buf.slice(5).replace(/^ /, ''));
  if (data.length) yield data.join('\n');
}

/** One SSE event carrying JSON. */
export function sseEvent(payload: unknown): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
}

/** The `finish_reason` of the chunk that ends a stream the runner could not finish. */
export const LLM_ERROR_FINISH_REASON = 'error';

/** An llm stream chunk that also carries the failure, for clients that read it. */
export type LlmErrorChunk = LlmResponse & { error: { message: string; code?: string } };

/**
 * The last frame of a stream that failed mid-way: a well-formed chat-completion chunk (same id,
 * model and usage as the chunks before it) with one empty choice whose finish_reason is "error",
 * plus an `error` object. Go clients stop at the finish_reason; a bare {"error": …} frame, as
 * ai-runner sends, has no choices and makes a Go gateway panic on choices[0].
 */
export function llmErrorChunk(last: LlmResponse | undefined, message: string, code?: string): LlmErrorChunk {
  return {
    id: last?.id ?? '',
    model: last?.model ?? '',
    created: last?.created ?? Math.floor(Date.now() / 1000),
    usage: last?.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    choices: [{ index: 0, finish_reason: LLM_ERROR_FINISH_REASON, delta: { role: 'assistant', content: '' } }],
    error: code === undefined ? { message } : { message, code },
  };
}
