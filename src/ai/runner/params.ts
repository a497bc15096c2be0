// Reading request fields the way FastAPI does for the ai-runner: JSON values or multipart form
// strings, coerced to the declared type; a missing required field or a value of the wrong type
// is a 422 naming the field.
import { RunnerValidationError } from './errors.js';

export interface RunnerInput {
  /** JSON body fields, or multipart text fields (strings). */
  fields: Record<string, unknown>;
  /** Multipart file parts by field name. */
  files: Record<string, { data: Buffer; filename: string; mimetype: string }>;
}

function fail(field: string, type: ConstructorParameters<typeof RunnerValidationError>[0][number]['type'], msg: string): never {
  throw new RunnerValidationError([{ field, type, msg }]);
}

export function str(input: RunnerInput, field: string): string | undefined;
export function str(input: RunnerInput, field: string, dflt: string): string;
export function str(input: RunnerInput, field: string, dflt?: string): string | undefined {
  const v = input.fields[field];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') fail(field, 'string_type', 'Input should be a valid string');
  return v;
}

export function requiredStr(input: RunnerInput, field: string): string {
  const v = str(input, field);
  if (v === undefined) fail(field, 'missing', 'Field required');
  return v;
}

export function int(input: RunnerInput, field: string, dflt: number): number;
export function int(input: RunnerInput, field: string): number | undefined;
export function int(input: RunnerInput, field: string, dflt?: number): number | undefined {
  const v = input.fields[field];
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) fail(field, 'int_parsing', 'Input should be a valid integer');
  return n;
}

export function num(input: RunnerInput, field: string, dflt: number): number {
  const v = input.fields[field];
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) fail(field, 'float_parsing', 'Input should be a valid number');
  return n;
}

export function bool(input: RunnerInput, field: string, dflt: boolean): boolean {
  const v = input.fields[field];
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
  }
  return fail(field, 'bool_parsing', 'Input should be a valid boolean');
}

export function requiredFile(input: RunnerInput, field: string): Buffer {
  const f = input.files[field];
  if (!f) fail(field, 'missing', 'Field required');
  return f.data;
}

/** A form field holding JSON (SAM2's point_coords, box…). */
export function jsonField(input: RunnerInput, field: string): unknown {
  const v = input.fields[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return fail(field, 'value_error', `Error parsing JSON for ${field}`);
  }
}
