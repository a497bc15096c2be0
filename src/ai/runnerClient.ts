// Client for the ai-runner HTTP API (GET /health, /version, /hardware/info, /hardware/stats and
// POST /<pipeline>), used by the orchestrator/worker to run jobs on a runner container or an
// external runner (`url` + `token` in aiModels.json). JSON and multipart bodies; SSE for llm.
import type { HardwareInfo, HealthResponse, LlmRequest, LlmResponse, RunnerPipeline, RunnerResponses, VersionResponse } from './api.js';
import {
  RunnerBadResponseError,
  RunnerStatusError,
  RunnerStreamError,
  RunnerTimeoutError,
  RunnerUnreachableError,
} from './errors.js';
import { hardwareSchema, healthSchema, llmResponseSchema, responseSchemas, runnerErrorMessage, versionSchema } from './schemas.js';
import { sseData } from './sse.js';
import { keepAliveAgent, postRaw, postTarget, toAbortSignal, type AbortSignalLike, type PostTarget } from './runnerHttp.js';
import type { Agent } from 'node:http';

export interface RunnerClientOptions {
  /** Runner base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  /** Bearer token (aiModels.json `token`). */
  token?: string;
  /** Per-job timeout (default 15 min, go-livepeer's aiWorkerRequestTimeout). */
  timeoutMs?: number;
  /** Timeout for health/version/hardware (default 5 s, go-livepeer's health check timeout). */
  infoTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface MultipartFile {
  data: Uint8Array;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body: form fields plus files (image, audio…). */
export interface MultipartBody {
  readonly kind: 'multipart';
  fields: Record<string, string | number | boolean | undefined>;
  files: Record<string, MultipartFile>;
}

export function multipartBody(fields: MultipartBody['fields'], files: MultipartBody['files'] = {}): MultipartBody {
  return { kind: 'multipart', fields, files };
}

/** A JSON object, or a multipart body built with `multipartBody`. */
export type RunnerBody = MultipartBody | object;

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** relayJson's options: its signal may be any AbortSignal-shaped source (it only listens for 'abort'). */
export interface RelayOptions {
  signal?: AbortSignalLike;
  timeoutMs?: number;
}

function isMultipart(b: RunnerBody): b is MultipartBody {
  return (b as { kind?: unknown }).kind === 'multipart';
}

/** A body built with `multipartBody` (else a JSON object). */
export const isMultipartBody = isMultipart;

function toFormData(b: MultipartBody): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(b.fields)) if (v !== undefined) form.append(k, String(v));
  for (const [k, f] of Object.entries(b.files)) {
    form.append(k, new Blob([f.data], { type: f.contentType ?? 'application/octet-stream' }), f.filename ?? k);
  }
  return form;
}

export class RunnerClient {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly infoTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  /** JSON jobs go over node:http (runnerHttp.ts) unless a fetch was given (tests that intercept it). */
  private readonly lean: boolean;
  private agent: Agent | undefined;
  /** Per path (one per pipeline). */
  private readonly targets = new Map<string, PostTarget>();

  constructor(opts: RunnerClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 15 * 60_000;
    this.infoTimeoutMs = opts.infoTimeoutMs ?? 5_000;
    this.fetchImpl = opts.fetch ?? fetch;
    this.lean = opts.fetch === undefined;
  }

  /** Closes the kept-alive connections of JSON jobs (the client stays usable: a later job reconnects). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  async health(opts: CallOptions = {}): Promise<HealthResponse> {
    return this.getJson('/health', healthSchema, opts) as Promise<HealthResponse>;
  }

  async version(opts: CallOptions = {}): Promise<VersionResponse> {
    return this.getJson('/version', versionSchema, opts) as Promise<VersionResponse>;
  }

  async hardware(opts: CallOptions = {}): Promise<HardwareInfo> {
    return this.getJson('/hardware/info', hardwareSchema, opts) as Promise<HardwareInfo>;
  }

  /** GET /hardware/stats (shape varies by runner; returned unvalidated). */
  async hardwareStats(opts: CallOptions = {}): Promise<unknown> {
    return this.getJson('/hardware/stats', undefined, opts);
  }

  /**
   * POST /<pipeline>. For llm with `stream: true` the SSE stream is read to the end and returned
   * as one non-streaming response (use `streamLlm` to consume tokens as they arrive).
   */
  async run<P extends RunnerPipeline>(pipeline: P, body: RunnerBody, opts: CallOptions = {}): Promise<RunnerResponses[P]> {
    if (this.lean && !isMultipart(body) && (body as { stream?: unknown }).stream !== true) return this.runJson(pipeline, body, opts);
    const res = await this.post(`/${pipeline}`, body, opts);
    if ((res.response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      if (pipeline !== 'llm') throw new RunnerBadResponseError(this.url, `unexpected event stream from /${pipeline}`);
      return (await collectLlm(this.llmEvents(res.response, res.done), this.url)) as RunnerResponses[P];
    }
    try {
      const json = await this.readJson(res.response).catch((err: unknown) => {
        throw this.translate(err, opts.timeoutMs ?? this.timeoutMs);
      });
      const parsed = responseSchemas[pipeline].safeParse(json);
      if (!parsed.success) throw new RunnerBadResponseError(this.url, `/${pipeline} body does not match the ai-runner API: ${parsed.error.issues[0]?.message ?? ''}`);
      return parsed.data as RunnerResponses[P];
    } finally {
      res.done();
    }
  }

  /** run() for a JSON job without streaming, over a kept-alive node:http connection. */
  private async runJson<P extends RunnerPipeline>(pipeline: P, body: object, opts: CallOptions): Promise<RunnerResponses[P]> {
    const r = await this.postJson(pipeline, Buffer.from(JSON.stringify(body)), opts);
    if ('folded' in r) return r.folded as RunnerResponses[P];
    const text = r.body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RunnerBadResponseError(this.url, `body is not JSON: ${text.slice(0, 80)}`);
    }
    const parsed = responseSchemas[pipeline].safeParse(json);
    if (!parsed.success) throw new RunnerBadResponseError(this.url, `/${pipeline} body does not match the ai-runner API: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data as RunnerResponses[P];
  }

  /**
   * A JSON job (no streaming) whose answer is only passed on: the request's bytes go to the runner
   * as they are, and the runner's answer comes back as its bytes, checked to be a JSON object but
   * not validated field by field (run() does that, and re-encodes). Same errors as run().
   */
  async relayJson(pipeline: RunnerPipeline, body: Uint8Array, opts: RelayOptions = {}): Promise<Buffer> {
    if (!this.lean) {
      // A fetch given (tests that intercept it): run()'s path, re-encoded.
      const signal = toAbortSignal(opts.signal);
      const callOpts: CallOptions = { ...(signal ? { signal } : {}), ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }) };
      return Buffer.from(JSON.stringify(await this.run(pipeline, JSON.parse(Buffer.from(body).toString('utf8')) as object, callOpts)));
    }
    const r = await this.postJson(pipeline, Buffer.from(body.buffer, body.byteOffset, body.byteLength), opts);
    if ('folded' in r) return Buffer.from(JSON.stringify(r.folded));
    let json: unknown;
    try {
      json = JSON.parse(r.body.toString('utf8'));
    } catch {
      throw new RunnerBadResponseError(this.url, `body is not JSON: ${r.body.toString('utf8', 0, 80)}`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new RunnerBadResponseError(this.url, `/${pipeline} body is not a JSON object`);
    return r.body;
  }

  /** POSTs JSON bytes; a 2xx answer's bytes, or (asked without stream but answered with events) the llm answer folded. */
  private async postJson(pipeline: RunnerPipeline, bytes: Buffer, opts: RelayOptions): Promise<{ body: Buffer } | { folded: unknown }> {
    const path = `/${pipeline}`;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    let r;
    try {
      let target = this.targets.get(path);
      if (!target) {
        target = postTarget(new URL(this.url + path));
        if (this.targets.size < 64) this.targets.set(path, target);
      }
      // (Again after close(): a later job reconnects.)
      this.agent ??= keepAliveAgent(target.https);
      r = await postRaw(target, bytes, { agent: this.agent, headers: this.headers({ 'content-type': 'application/json' }), timeoutMs, signal: opts.signal });
    } catch (err) {
      throw this.translate(err, timeoutMs);
    }
    if (r.status < 200 || r.status > 299) throw this.statusError(path, r.status, r.statusText, r.body.toString('utf8'));
    if (r.contentType.includes('text/event-stream')) {
      // Asked without stream: true but answered with events anyway: fold them as run() does.
      if (pipeline !== 'llm') throw new RunnerBadResponseError(this.url, `unexpected event stream from /${pipeline}`);
      const events = new Response(r.body, { headers: { 'content-type': r.contentType } });
      return { folded: await collectLlm(this.llmEvents(events, () => {}), this.url) };
    }
    return { body: r.body };
  }

  /** POST /llm with stream: true, yielding each SSE chunk until a finish_reason or [DONE]. */
  async *streamLlm(body: LlmRequest, opts: CallOptions = {}): AsyncGenerator<LlmResponse> {
    const res = await this.post('/llm', { ...body, stream: true }, opts);
    if (!(res.response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      try {
        const parsed = llmResponseSchema.safeParse(await this.readJson(res.response));
        if (!parsed.success) throw new RunnerBadResponseError(this.url, 'llm body does not match the ai-runner API');
        yield parsed.data as LlmResponse;
        return;
      } finally {
        res.done();
      }
    }
    yield* this.llmEvents(res.response, res.done);
  }

  /**
   * The chunks of an llm event stream, up to the first finish_reason or [DONE]. Chunks without a
   * choice (usage-only frames some OpenAI-style servers send) are skipped: downstream, every frame
   * must have choices[0]. A stream that just stops, with neither, was cut: RunnerStreamError.
   */
  private async *llmEvents(response: Response, done: () => void): AsyncGenerator<LlmResponse> {
    try {
      if (!response.body) throw new RunnerBadResponseError(this.url, 'event stream without a body');
      for await (const data of sseData(response.body)) {
        if (data === '[DONE]') return;
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          throw new RunnerBadResponseError(this.url, `SSE event is not JSON: ${data.slice(0, 80)}`);
        }
        if (json && typeof json === 'object' && 'error' in json) {
          throw new RunnerStreamError(this.url, runnerErrorMessage(json, String((json as { error: unknown }).error)));
        }
        const parsed = llmResponseSchema.safeParse(json);
        if (!parsed.success) throw new RunnerBadResponseError(this.url, `SSE event does not match LLMResponse: ${parsed.error.issues[0]?.message ?? ''}`);
        const chunk = parsed.data as LlmResponse;
        if (chunk.choices.length === 0) continue;
        yield chunk;
        if (chunk.choices.some((c) => c.finish_reason)) return;
      }
      throw new RunnerStreamError(this.url, 'the event stream ended before a finish_reason or [DONE]');
    } catch (err) {
      throw this.translate(err, this.timeoutMs);
    } finally {
      done();
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, authorization: `Bearer ${this.token}` } : extra;
  }

  private signal(opts: CallOptions, dflt: number): { signal: AbortSignal; timeoutMs: number } {
    const timeoutMs = opts.timeoutMs ?? dflt;
    const t = AbortSignal.timeout(timeoutMs);
    return { signal: opts.signal ? AbortSignal.any([opts.signal, t]) : t, timeoutMs };
  }

  private translate(err: unknown, timeoutMs: number): unknown {
    if (err instanceof Error && err.name === 'TimeoutError') return new RunnerTimeoutError(this.url, timeoutMs);
    if (err instanceof Error && err.name === 'AbortError') return err;
    if (err instanceof RunnerBadResponseError || err instanceof RunnerStreamError || err instanceof RunnerStatusError) return err;
    return new RunnerUnreachableError(this.url, err);
  }

  private async getJson(path: string, schema: { safeParse(v: unknown): { success: boolean; data?: unknown } } | undefined, opts: CallOptions): Promise<unknown> {
    const { signal, timeoutMs } = this.signal(opts, this.infoTimeoutMs);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url + path, { headers: this.headers(), signal });
    } catch (err) {
      throw this.translate(err, timeoutMs);
    }
    await this.throwIfError(response, path);
    const json = await this.readJson(response).catch((err: unknown) => {
      throw this.translate(err, timeoutMs);
    });
    if (!schema) return json;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new RunnerBadResponseError(this.url, `${path} body does not match the ai-runner API`);
    return parsed.data;
  }

  private async post(path: string, body: RunnerBody, opts: CallOptions): Promise<{ response: Response; done: () => void }> {
    const { signal, timeoutMs } = this.signal(opts, this.timeoutMs);
    const init: RequestInit = isMultipart(body)
      ? { method: 'POST', headers: this.headers(), body: toFormData(body), signal }
      : { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify(body), signal };
    let response: Response;
    try {
      response = await this.fetchImpl(this.url + path, init);
    } catch (err) {
      throw this.translate(err, timeoutMs);
    }
    await this.throwIfError(response, path);
    const done = () => {
      if (response.body && !response.bodyUsed) response.body.cancel().catch(() => undefined);
    };
    return { response, done };
  }

  private async throwIfError(response: Response, path: string): Promise<void> {
    if (response.ok) return;
    const text = await response.text().catch(() => '');
    throw this.statusError(path, response.status, response.statusText, text);
  }

  private statusError(path: string, status: number, statusText: string, text: string): RunnerStatusError {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the raw text
    }
    const fallback = text.trim().slice(0, 200) || statusText || 'no message';
    return new RunnerStatusError(`${this.url}${path}`, status, runnerErrorMessage(body, fallback), body);
  }

  private async readJson(response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new RunnerBadResponseError(this.url, `body is not JSON: ${text.slice(0, 80)}`);
    }
  }
}

/** Folds streamed llm chunks into the non-streaming LLMResponse shape. */
export async function collectLlm(chunks: AsyncIterable<LlmResponse>, url = 'runner'): Promise<LlmResponse> {
  let content = '';
  let last: LlmResponse | undefined;
  let finish = '';
  for await (const c of chunks) {
    content += c.choices[0]?.delta?.content ?? c.choices[0]?.message?.content ?? '';
    if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
    last = c;
  }
  if (!last) throw new RunnerBadResponseError(url, 'llm stream ended without any chunk');
  return {
    id: last.id,
    model: last.model,
    created: last.created,
    usage: last.usage,
    choices: [{ index: 0, finish_reason: finish || 'stop', message: { role: 'assistant', content } }],
  };
}
