// Startup errors for aiModels.json. Every problem names the entry (index, pipeline, model_id) and
// the field, and says what to write instead; a node must refuse to start rather than run with a
// silently zeroed or guessed price (users.md §D.21: malformed prices used to be accepted).

import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const aiModelsErrorCodes = defineErrorCodes('src/market (aiModels.json)', {
  AI_MODELS_UNREADABLE: 'The aiModels file cannot be read: check the path given to -aiModels.',
  AI_MODELS_BAD_JSON: 'The aiModels file is not valid JSON.',
  AI_MODELS_NOT_ARRAY: 'aiModels must be a JSON array of model entries.',
  AI_MODELS_INLINE: 'An inline -aiModels entry is malformed (expected "<pipeline>:<model_id>:<warm>").',
  AI_MODEL_NOT_OBJECT: 'An aiModels entry is not a JSON object.',
  AI_MODEL_FIELD: 'An aiModels entry field is missing or of the wrong type.',
  AI_MODEL_UNKNOWN_PIPELINE: 'An aiModels entry names a pipeline this node does not know.',
  AI_MODEL_BAD_URL: 'An aiModels entry has an unusable runner url.',
  AI_MODEL_BAD_CAPACITY: 'An aiModels entry has a capacity that is not a positive whole number.',
  AI_MODEL_PRICE_MISSING: 'An aiModels entry has no price_per_unit: a node never runs with a guessed price.',
  AI_MODEL_PRICE_INVALID: 'An aiModels entry has a price that is not an exact non-negative amount.',
  AI_MODEL_PRICE_FEED_REQUIRED: 'A price in a currency (e.g. USD) needs a price feed (-priceFeedAddr).',
  AI_MODEL_DUPLICATE: 'Two aiModels entries for the same pipeline and model_id.',
  AI_MODEL_WARM_CONFLICT: 'One model is listed both warm and cold.',
});

export type AiModelsErrorCode = CodeOf<typeof aiModelsErrorCodes>;

export interface AiModelIssue {
  code: AiModelsErrorCode;
  /** 0-based position in the array (or in the inline list); undefined for file-level problems. */
  index?: number;
  pipeline?: string;
  modelId?: string;
  /** aiModels.json key the problem is about (e.g. "price_per_unit"). */
  field?: string;
  message: string;
}

export function describeEntry(i: Pick<AiModelIssue, 'index' | 'pipeline' | 'modelId'>): string {
  if (i.index === undefined) return 'aiModels';
  const who = [i.pipeline ? `pipeline "${i.pipeline}"` : 'no pipeline', i.modelId ? `model_id "${i.modelId}"` : 'no model_id'];
  return `aiModels entry #${i.index} (${who.join(', ')})`;
}

export function formatIssue(i: AiModelIssue): string {
  const field = i.field ? `field "${i.field}": ` : '';
  return `${describeEntry(i)}: ${field}${i.message}`;
}

/** Thrown when aiModels cannot be used. Fatal: the node must not start. Lists every issue found. */
export class AiModelsConfigError extends LivepeerError<AiModelsErrorCode> {
  override name = 'AiModelsConfigError';
  readonly issues: readonly AiModelIssue[];
  constructor(issues: readonly AiModelIssue[]) {
    const first = issues[0];
    const lines = issues.map(formatIssue);
    super(first?.code ?? 'AI_MODELS_BAD_JSON', lines.length === 1 ? lines[0]! : `${lines.length} problems in aiModels:\n  ${lines.join('\n  ')}`, { fatal: true });
    this.issues = issues;
  }
}
