// go-livepeer's -aiModels: a path to a JSON array (aiModels.json, `core/ai.go` AIModelConfig), or
// an inline list `pipeline:model_id:warm[,...]`. Parsed as-is and validated up front; every
// problem becomes an AiModelsConfigError naming the entry and the field.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { AiModelIssue } from './aiModelsErrors.js';
import { AiModelsConfigError } from './aiModelsErrors.js';
import type { AiModelPrice, PriceDefaults } from './aiModelsPrice.js';
import { readPrice } from './aiModelsPrice.js';
import type { AiPipeline, CapabilityId } from './capabilityIds.js';
import { AI_PIPELINES, isAiPipeline, pipelineToCapability } from './capabilityIds.js';
import { JsonNumber, parseJsonKeepingNumbers } from './jsonExact.js';

export interface AiModelEntry {
  /** Position in the file (0-based), for messages. */
  index: number;
  pipeline: AiPipeline;
  capability: CapabilityId;
  modelId: string;
  /** External runner base URL (no container management). */
  url?: string;
  /** Bearer token for the external runner. */
  token?: string;
  warm: boolean;
  /** Runner slots for this model (≥ 1; missing or 0 means 1, as in go-livepeer). */
  capacity: number;
  /** Container env vars; booleans become "true"/"false". */
  optimizationFlags: Record<string, string>;
  /** Lower-case gateway address this price applies to, or "default". */
  gateway: string;
  /** Undefined only when prices are not required (off-chain nodes). */
  price?: AiModelPrice;
}

export interface AiModelsOptions {
  /** Stand-ins for -pricePerUnit / -pixelsPerUnit / -currency, used by entries without a price. */
  defaults?: PriceDefaults;
  /** go-livepeer only reads prices when -network ≠ offchain. Default true: every entry needs a price. */
  requirePrices?: boolean;
  /** A price feed is configured, so currencies other than wei/ETH may be used. Default false. */
  priceFeed?: boolean;
}

export interface AiModelsConfig {
  entries: AiModelEntry[];
  /** Non-fatal remarks (unknown keys, flags ignored for cold models…), for the startup log. */
  warnings: string[];
}

const jsonNumber = z.instanceof(JsonNumber);
const entrySchema = z.object({
  pipeline: z.string(),
  model_id: z.string().min(1),
  url: z.string().optional(),
  token: z.string().optional(),
  warm: z.boolean().optional(),
  capacity: jsonNumber.optional(),
  optimization_flags: z.record(z.string(), z.union([z.string(), z.boolean()])).optional(),
  gateway: z.string().optional(),
  price_per_unit: z.union([jsonNumber, z.string()]).optional(),
  pixels_per_unit: z.union([jsonNumber, z.string()]).optional(),
  currency: z.string().optional(),
});
type RawEntry = z.infer<typeof entrySchema>;

const EXPECT: Record<string, string> = {
  pipeline: `a pipeline name (${AI_PIPELINES.join(', ')})`,
  model_id: 'a non-empty string such as "ByteDance/SDXL-Lightning"',
  url: 'a string URL such as "http://127.0.0.1:8000"',
  token: 'a string',
  warm: 'true or false (not quoted)',
  capacity: 'a whole number ≥ 1',
  optimization_flags: 'an object of string or boolean values',
  gateway: 'a gateway ETH address (0x…) or omitted for the default price',
  price_per_unit: 'a number such as 4768371 or 0.5 (or a string like "0.5USD")',
  pixels_per_unit: 'a number > 0, usually 1',
  currency: 'a string such as "wei", "eth" or "USD"',
};
const KNOWN_KEYS = new Set(Object.keys(EXPECT));

function show(v: unknown): string {
  if (v instanceof JsonNumber) return v.text;
  if (v === undefined) return 'nothing';
  return JSON.stringify(v);
}

/** Parses the text of an aiModels.json file. Throws AiModelsConfigError listing every problem. */
export function parseAiModelsJson(text: string, opts: AiModelsOptions = {}): AiModelsConfig {
  let data: unknown;
  try {
    JSON.parse(text); // for a precise syntax message; the exact parse below keeps numbers as text
    data = parseJsonKeepingNumbers(text);
  } catch (err) {
    throw new AiModelsConfigError([{ code: 'AI_MODELS_BAD_JSON', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  if (!Array.isArray(data)) {
    throw new AiModelsConfigError([{ code: 'AI_MODELS_NOT_ARRAY', message: 'must be a JSON array of model entries ([{"pipeline":…,"model_id":…}, …]).' }]);
  }
  return validateEntries(data, opts);
}

/** Validates already-decoded entries (JSON numbers may be JsonNumber, number or bigint). */
export function validateEntries(data: readonly unknown[], opts: AiModelsOptions = {}): AiModelsConfig {
  const issues: AiModelIssue[] = [];
  const warnings: string[] = [];
  const entries: AiModelEntry[] = [];
  data.forEach((item, index) => {
    const entry = validateEntry(item, index, opts, issues, warnings);
    if (entry) entries.push(entry);
  });
  checkAcrossEntries(entries, issues);
  if (issues.length) throw new AiModelsConfigError(issues);
  return { entries, warnings };
}

function normalizeNumbers(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) continue; // encoding/json leaves the zero value for null; we treat it as absent
    out[k] = typeof v === 'number' || typeof v === 'bigint' ? new JsonNumber(String(v)) : v;
  }
  return out;
}

function validateEntry(item: unknown, index: number, opts: AiModelsOptions, issues: AiModelIssue[], warnings: string[]): AiModelEntry | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item) || item instanceof JsonNumber) {
    issues.push({ code: 'AI_MODEL_NOT_OBJECT', index, message: `must be an object like {"pipeline":"text-to-image","model_id":"…"}, got ${show(item)}.` });
    return undefined;
  }
  const obj = normalizeNumbers(item as Record<string, unknown>);
  const who = {
    index,
    pipeline: typeof obj.pipeline === 'string' ? obj.pipeline : undefined,
    modelId: typeof obj.model_id === 'string' ? obj.model_id : undefined,
  };
  const before = issues.length;
  const report = (field: string, code: AiModelIssue['code'], message: string) => issues.push({ ...who, code, field, message });
  const parsed = entrySchema.safeParse(obj);
  if (!parsed.success) {
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      if (seen.has(field)) continue;
      seen.add(field);
      report(field, 'AI_MODEL_FIELD', `must be ${EXPECT[field] ?? 'valid'}, got ${show(obj[field])}.`);
    }
    return undefined;
  }
  const raw: RawEntry = parsed.data;
  for (const k of Object.keys(obj)) if (!KNOWN_KEYS.has(k)) warnings.push(`aiModels entry #${index}: unknown key "${k}" ignored`);

  const capability = pipelineToCapability(raw.pipeline);
  if (capability === undefined || !isAiPipeline(raw.pipeline)) {
    report('pipeline', 'AI_MODEL_UNKNOWN_PIPELINE', `unknown pipeline "${raw.pipeline}"; expected one of ${AI_PIPELINES.join(', ')}.`);
  }
  if (raw.url !== undefined && !isHttpUrl(raw.url)) {
    report('url', 'AI_MODEL_BAD_URL', `must be an http(s) URL such as "http://127.0.0.1:8000", got ${show(raw.url)}.`);
  }
  const capacity = readCapacity(raw.capacity, report);
  const gateway = readGateway(raw.gateway, report);
  const requirePrices = opts.requirePrices ?? true;
  const hasPrice = raw.price_per_unit !== undefined || opts.defaults?.pricePerUnit !== undefined;
  const price = requirePrices || hasPrice ? readPrice(raw, { defaults: opts.defaults, priceFeed: opts.priceFeed ?? false }, report) : undefined;
  if (issues.length > before || capability === undefined || !isAiPipeline(raw.pipeline) || capacity === undefined || gateway === undefined) {
    return undefined;
  }
  const optimizationFlags: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.optimization_flags ?? {})) optimizationFlags[k] = String(v);
  if (Object.keys(optimizationFlags).length && !raw.warm) {
    warnings.push(`aiModels entry #${index}: optimization_flags apply only to warm models; ignored for cold "${raw.model_id}"`);
  }
  if (raw.capacity?.text === '0') warnings.push(`aiModels entry #${index}: capacity 0 treated as 1 (go-livepeer's default)`);
  return {
    index,
    pipeline: raw.pipeline,
    capability,
    modelId: raw.model_id,
    ...(raw.url !== undefined ? { url: raw.url } : {}),
    ...(raw.token !== undefined ? { token: raw.token } : {}),
    warm: raw.warm ?? false,
    capacity,
    optimizationFlags,
    gateway,
    ...(price ? { price } : {}),
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

type Report = (field: string, code: AiModelIssue['code'], message: string) => void;

function readCapacity(raw: JsonNumber | undefined, report: Report): number | undefined {
  if (raw === undefined) return 1;
  const n = Number(raw.text);
  if (!/^-?\d+$/.test(raw.text) || !Number.isSafeInteger(n) || n < 0) {
    report('capacity', 'AI_MODEL_BAD_CAPACITY', `must be ${EXPECT.capacity}, got ${raw.text}.`);
    return undefined;
  }
  return n === 0 ? 1 : n;
}

function readGateway(raw: string | undefined, report: Report): string | undefined {
  if (raw === undefined || raw === '' || raw === 'default') return 'default';
  if (!/^0x[0-9a-fA-F]{40}$/.test(raw)) {
    report('gateway', 'AI_MODEL_FIELD', `must be ${EXPECT.gateway}, got ${show(raw)}.`);
    return undefined;
  }
  return raw.toLowerCase();
}

/** Duplicates (same pipeline, model and gateway) and a model both warm and cold are errors. */
function checkAcrossEntries(entries: readonly AiModelEntry[], issues: AiModelIssue[]): void {
  const byPrice = new Map<string, AiModelEntry>();
  const byModel = new Map<string, AiModelEntry>();
  for (const e of entries) {
    const who = { index: e.index, pipeline: e.pipeline, modelId: e.modelId };
    const priceKey = `${e.pipeline}\n${e.modelId}\n${e.gateway}`;
    const dup = byPrice.get(priceKey);
    if (dup) {
      const forGw = e.gateway === 'default' ? 'the default price' : `gateway ${e.gateway}`;
      issues.push({ ...who, code: 'AI_MODEL_DUPLICATE', field: 'model_id',
        message: `duplicates entry #${dup.index} (same pipeline, model_id and ${forGw}); remove one or set "gateway" to price per gateway.` });
    } else byPrice.set(priceKey, e);
    const modelKey = `${e.pipeline}\n${e.modelId}`;
    const first = byModel.get(modelKey);
    if (first && first.warm !== e.warm) {
      issues.push({ ...who, code: 'AI_MODEL_WARM_CONFLICT', field: 'warm',
        message: `entry #${first.index} has warm=${first.warm} for the same model; a model cannot be both warm and cold.` });
    } else if (!first) byModel.set(modelKey, e);
  }
}

/** go-livepeer's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** The inline form `pipeline:model_id:warm[,...]` (extra `:` parts are ignored, as in go-livepeer). */
export function parseAiModelsInline(text: string, opts: AiModelsOptions = {}): AiModelsConfig {
  const items: unknown[] = [];
  const issues: AiModelIssue[] = [];
  text.split(',').forEach((part, index) => {
    const bits = part.trim().split(':');
    if (bits.length < 3) {
      issues.push({ code: 'AI_MODELS_INLINE', index,
        message: `invalid AI model config "${part.trim()}": expected <pipeline>:<model_id>:<warm> (or a path to an existing aiModels.json file).` });
      return;
    }
    const warm = parseGoBool(bits[2]!);
    if (warm === undefined) {
      issues.push({ code: 'AI_MODELS_INLINE', index, pipeline: bits[0], modelId: bits[1], field: 'warm', message: `must be true or false, got "${bits[2]}".` });
      return;
    }
    items.push({ pipeline: bits[0], model_id: bits[1], warm });
  });
  if (issues.length) throw new AiModelsConfigError(issues);
  return validateEntries(items, opts);
}

/** The -aiModels flag: an existing file is read as JSON; anything else is the inline form. */
export function loadAiModels(arg: string, opts: AiModelsOptions = {}): AiModelsConfig {
  if (existsSync(arg) && statSync(arg).isFile()) {
    let text: string;
    try {
      text = readFileSync(arg, 'utf8');
    } catch (err) {
      throw new AiModelsConfigError([{ code: 'AI_MODELS_UNREADABLE', message: `cannot read ${arg}: ${(err as Error).message}` }]);
    }
    return parseAiModelsJson(text, opts);
  }
  if (/\.json$/i.test(arg.trim())) {
    throw new AiModelsConfigError([{ code: 'AI_MODELS_UNREADABLE', message: `file ${arg} does not exist (an -aiModels value ending in .json is read as a path).` }]);
  }
  return parseAiModelsInline(arg, opts);
}
