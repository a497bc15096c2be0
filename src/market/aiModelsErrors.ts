// Startup errors for aiModels.json. Every problem names the entry (index, pipeline, model_id) and
// the field, and says what to write instead; a node must refuse to start rather than run with a
// silently zeroed or guessed price (users.md §D.21: malformed prices used to be accepted).

export type AiModelsErrorCode =
  | 'AI_MODELS_UNREADABLE'
  | 'AI_MODELS_BAD_JSON'
  | 'AI_MODELS_NOT_ARRAY'
  | 'AI_MODELS_INLINE'
  | 'AI_MODEL_NOT_OBJECT'
  | 'AI_MODEL_FIELD'
  | 'AI_MODEL_UNKNOWN_PIPELINE'
  | 'AI_MODEL_BAD_URL'
  | 'AI_MODEL_BAD_CAPACITY'
  | 'AI_MODEL_PRICE_MISSING'
  | 'AI_MODEL_PRICE_INVALID'
  | 'AI_MODEL_PRICE_FEED_REQUIRED'
  | 'AI_MODEL_DUPLICATE'
  | 'AI_MODEL_WARM_CONFLICT';

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
export class AiModelsConfigError extends Error {
  readonly code: AiModelsErrorCode;
  readonly fatal = true;
  readonly issues: readonly AiModelIssue[];
  constructor(issues: readonly AiModelIssue[]) {
    const first = issues[0];
    const lines = issues.map(formatIssue);
    super(lines.length === 1 ? lines[0]! : `${lines.length} problems in aiModels:\n  ${lines.join('\n  ')}`);
    this.name = 'AiModelsConfigError';
    this.code = first?.code ?? 'AI_MODELS_BAD_JSON';
    this.issues = issues;
  }
}
