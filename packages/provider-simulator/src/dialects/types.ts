import type { Answer } from '../answer.js';
import type { Dialect, StoredFile } from '../types.js';

/** What an error means, independent of how a dialect spells it. */
export type ErrorKind =
  | 'bad_request'
  | 'auth'
  | 'billing'
  | 'not_found'
  | 'rate_limit'
  | 'server'
  | 'bad_gateway'
  | 'unavailable'
  | 'context_length'
  | 'content_filter';

/** The request facts a dialect needs to dress an answer. */
export interface ReplyContext {
  id: string;
  created: number;
  model: string;
  request: Record<string, unknown>;
}

export interface Rejection {
  kind: ErrorKind;
  message: string;
  /** The exact error body, when the provider uses a more specific code than `kind` gives. */
  body?: unknown;
}

/** One provider's wire format. */
export interface DialectSpec {
  name: Dialect;
  models: readonly string[];
  /** Whether a model reasons when the request does not say. */
  thinksByDefault(model: string): boolean;
  /** A cheap check of what the provider rejects with 400. */
  validate(request: Record<string, unknown>): Rejection | undefined;
  error(kind: ErrorKind, message?: string): unknown;
  /** The HTTP status the provider sends with a balance or quota refusal (MiniMax: 200 with `base_resp`). */
  billingStatus: number;
  /** The `GET {base}/models` answer. */
  modelList(): unknown;
  completion(answer: Answer, context: ReplyContext): unknown;
  /** Every SSE event before `[DONE]`, as JSON values. */
  chunks(answer: Answer, context: ReplyContext): unknown[];
  file(file: StoredFile): unknown;
  fileContent(file: StoredFile): { contentType: string; data: Buffer | string };
}

export function errorKindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limit';
  if (status === 502) return 'bad_gateway';
  if (status === 503 || status === 504) return 'unavailable';
  if (status >= 500) return 'server';
  return 'bad_request';
}

/** Whether a given `temperature` falls outside the provider's range: Kimi's `[0, 1]` or MiniMax's `(0, 1]`. */
export function temperatureOutside(temperature: unknown, range: '[0, 1]' | '(0, 1]'): boolean {
  if (temperature === undefined || temperature === null) return false;
  if (typeof temperature !== 'number') return true;
  return temperature > 1 || (range === '[0, 1]' ? temperature < 0 : temperature <= 0);
}
