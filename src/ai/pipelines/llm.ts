// llm: a small deterministic text generator seeded by the conversation — words drawn from a fixed
// vocabulary, one token per word. It is not a language model; it produces the ai-runner's
// LLMResponse shapes (JSON, or SSE chunks ending in finish_reason and [DONE]) so streaming,
// token accounting and payments can be exercised for real.
import { prng, seedFrom } from '../media/prng.js';
import type { PipelineHandler } from '../runner/context.js';
import { RunnerValidationError, badRequest } from '../runner/errors.js';
import { bool, int, str } from '../runner/params.js';
import { inRange } from './common.js';

const WORDS = (
  'the a network node pays per pixel ticket orchestrator gateway runner model stream video frame token price ' +
  'wei round stake reward signal probability winning value small fast honest simple local random ledger ' +
  'work unit session balance deposit reserve chain block proof reference sends receives checks keeps settles ' +
  'and with for from into over under quickly slowly every each some many'
).split(' ');

export interface LlmMessage {
  role: string;
  content: string;
}

/** The tokens for a conversation: natural length 8–63 words, cut at maxTokens. */
export function generateTokens(messages: readonly LlmMessage[], maxTokens: number): { tokens: string[]; finish: 'stop' | 'length' } {
  const rnd = prng(seedFrom(JSON.stringify(messages.map((m) => [m.role, m.content]))));
  const natural = 8 + Math.floor(rnd() * 56);
  const n = Math.min(natural, maxTokens);
  const tokens: string[] = [];
  let sentenceLeft = 0;
  for (let i = 0; i < n; i++) {
    let w = WORDS[Math.floor(rnd() * WORDS.length)]!;
    if (sentenceLeft === 0) {
      w = w[0]!.toUpperCase() + w.slice(1);
      sentenceLeft = 4 + Math.floor(rnd() * 8);
    }
    sentenceLeft--;
    if (sentenceLeft === 0 || i === natural - 1) w += '.';
    tokens.push(i === 0 ? w : ` ${w}`);
  }
  return { tokens, finish: natural <= maxTokens ? 'stop' : 'length' };
}

function readMessages(raw: unknown): LlmMessage[] {
  if (raw === undefined) throw new RunnerValidationError([{ field: 'messages', type: 'missing', msg: 'Field required' }]);
  if (!Array.isArray(raw)) throw new RunnerValidationError([{ field: 'messages', type: 'list_type', msg: 'Input should be a valid list' }]);
  return raw.map((m: unknown, i) => {
    const o = m as { role?: unknown; content?: unknown } | null;
    if (!o || typeof o.role !== 'string' || typeof o.content !== 'string') {
      throw new RunnerValidationError([{ field: `messages.${i}`, type: 'value_error', msg: 'each message needs string "role" and "content"' }]);
    }
    return { role: o.role, content: o.content };
  });
}

export const llm: PipelineHandler = {
  body: 'json',
  handle(input, ctx) {
    const messages = readMessages(input.fields.messages);
    if (messages.length === 0) throw badRequest('messages must not be empty');
    const model = str(input, 'model', '');
    if (model !== '' && model !== ctx.modelId) throw badRequest(`pipeline configured with ${ctx.modelId} but called with ${model}`);
    const maxTokens = inRange('max_tokens', int(input, 'max_tokens', 256), 1, 8192);
    const stream = bool(input, 'stream', false);
    const { tokens, finish } = generateTokens(messages, maxTokens);
    const promptTokens = messages.reduce((n, m) => n + m.content.split(/\s+/).filter(Boolean).length, 0);
    const id = `chatcmpl-${seedFrom(JSON.stringify(messages), model).toString(16)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = (done: number) => ({ prompt_tokens: promptTokens, completion_tokens: done, total_tokens: promptTokens + done });
    if (!stream) {
      return {
        json: { id, model: ctx.modelId, created, usage: usage(tokens.length), choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', content: tokens.join('') } }] },
      };
    }
    async function* events(): AsyncGenerator<string> {
      for (let i = 0; i < tokens.length; i++) {
        const chunk = { id, model: ctx.modelId, created, usage: usage(i + 1), choices: [{ index: 0, finish_reason: '', delta: { role: 'assistant', content: tokens[i]! } }] };
        yield `data: ${JSON.stringify(chunk)}\n\n`;
        await new Promise((r) => setImmediate(r));
      }
      const last = { id, model: ctx.modelId, created, usage: usage(tokens.length), choices: [{ index: 0, finish_reason: finish, delta: { role: 'assistant', content: '' } }] };
      yield `data: ${JSON.stringify(last)}\n\n`;
      yield 'data: [DONE]\n\n';
    }
    return { sse: events() };
  },
};
