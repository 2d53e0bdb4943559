/**
 * The one error pipeline of every provider adapter: an upstream failure (an HTTP error status, or an
 * `error` object inside a 200 body or stream) becomes a typed `GatewayError` in one place.
 *
 * A provider describes its error body with a `ProviderErrorStructure` (a loose zod schema, a message
 * extractor and, optionally, its table of business codes); whatever the table leaves open is decided by
 * `classifyStatus`, the one status classifier. Retryability is not a separate flag here: it follows from
 * the classified code (`ERROR_CODES[code].retryable` in core), so the code table is the provider's
 * `isRetryable`.
 *
 * Decisions taken when the two former classifiers (`codeForStatus` and `classifyStatus`) were merged:
 * - 401 / 403: `upstream_auth` — the provider refused the gateway's own key. Never the caller's `auth`,
 *   never the upstream's status (that would blame the caller's key): the error keeps its 502.
 * - 402, and a 429 whose text names balance or quota (`BILLING`): `upstream_billing`, also with its 502.
 * - 413: `context_length` — the body is too large for this upstream; like an over-long prompt, only a
 *   smaller request (or a larger model) helps. (The generic classifier used to say `bad_request` unless
 *   the text named the context.)
 * - status 0 (and any status below 400: a failure reported in a success body or stream): rate-limit,
 *   overload, context-length and content-filter wording is honoured, anything else is `server`. (The
 *   providers' classifier used to say `server` for all of them.)
 * - other 4xx: the context-length rule, then the content-filter rule, then `bad_request` (the content
 *   filter rule now applies to every 4xx, not only 400/413/422).
 * - one context-length rule (`CONTEXT_LENGTH`): the union of the two former regexes.
 */
import { type ErrorCode, GatewayError, isCredentialFailure, parseRetryAfter, redactSecrets } from '@exai/core';
import { z } from 'zod';

/** What the classifier decided. `statusCode` overrides the upstream's status on the error. */
export interface Classification {
  code: ErrorCode;
  statusCode?: number;
  param?: string;
}

/** What an adapter knows about a failed upstream call. */
export interface UpstreamFailure {
  /** The HTTP status; 0 for an `error` object inside a 200 body or stream. */
  status: number;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  headers?: { get(name: string): string | null } | Record<string, string | string[] | undefined> | undefined;
  provider?: string | undefined;
  model?: string | undefined;
}

/**
 * A provider's error body, described once (in the style of vercel/ai's `ProviderErrorStructure`).
 * Methods (not function properties) so that any structure is a `ProviderErrorStructure<unknown>`.
 */
export interface ProviderErrorStructure<T> {
  /** A loose schema of the error body; a body it does not match is classified by status alone. */
  errorSchema: z.ZodType<T>;
  /** The message shown to callers (prefixed with the provider id); undefined when the body names none. */
  errorToMessage(error: T, status: number): string | undefined;
  /** The provider's code table; undefined leaves the decision to `classifyStatus`. */
  classify?(error: T, failure: { status: number; message: string }): Classification | undefined;
  /** Names the provider in the message used when the body has none (`GLM request failed with status 500`). */
  name?: string;
}

/** A refusal of the gateway's account rather than of the request: out of balance, quota or plan. */
export const BILLING =
  /insufficient[_ ]quota|exceeded your current quota|insufficient[_ ]balance|billing|balance|arrears|余额不足|欠费|充值/i;
/** The one context-length rule. */
export const CONTEXT_LENGTH = new RegExp(
  [
    'context[ _-]?length|maximum context|context window|token limit|too many tokens',
    'exceeds? (the )?max(imum)? (length|tokens)|input is too long|prompt.*too long|input.*too long',
    'token.*(limit|length|exceed)|exceed.*token',
  ].join('|'),
  'i',
);
const CONTENT_FILTER =
  /content[_ ]filter|content[_ ]policy|safety system|sensitive content|inappropriate content|moderation/i;
const RATE_LIMIT = /rate[_ ]limit|too many requests/i;
const OVERLOADED = /overloaded|capacity|unavailable/i;

export function looksLikeContextLength(message: string): boolean {
  return CONTEXT_LENGTH.test(message);
}

/** The one status classifier; `text` is the upstream's code and message (matched by the wording rules). */
export function classifyStatus(status: number, text = ''): Classification {
  if (status === 401 || status === 403) return { code: 'upstream_auth' };
  if (status === 402 || (status === 429 && BILLING.test(text))) return { code: 'upstream_billing' };
  if (status === 404) return { code: 'not_found' };
  if (status === 408 || status === 504) return { code: 'timeout' };
  if (status === 413) return { code: 'context_length' };
  if (status === 429) return { code: 'rate_limited' };
  if (status === 503 || status === 529) return { code: 'overloaded' };
  if (status >= 500) return { code: 'server' };
  if (status < 400) {
    if (RATE_LIMIT.test(text)) return { code: 'rate_limited' };
    if (OVERLOADED.test(text)) return { code: 'overloaded' };
  }
  if (CONTEXT_LENGTH.test(text)) return { code: 'context_length' };
  if (CONTENT_FILTER.test(text)) return { code: 'content_filter' };
  return { code: status < 400 ? 'server' : 'bad_request' };
}

/** A field that is dropped (not fatal) when it has an unexpected type. */
const text = z.string().optional().catch(undefined);
const code = z.union([z.string(), z.number()]).optional().catch(undefined);

/** The OpenAI error object, loosely: compatible servers differ in what they put beside `message`. */
export const openAIErrorObjectSchema = z.looseObject({ message: text, type: text, code, param: text });

/** `{"error": {code, type, message}}`, or the same fields at the top level (GLM, Moonshot, MiniMax). */
export const errorFieldsSchema = openAIErrorObjectSchema.extend({
  error: openAIErrorObjectSchema.optional().catch(undefined),
});

export type ErrorFieldsData = z.infer<typeof errorFieldsSchema>;

/** The error fields of such a body: the nested object when there is one, else the top level. */
export type ErrorFields = z.infer<typeof openAIErrorObjectSchema>;

export const errorFieldsOf = (data: ErrorFieldsData): ErrorFields => data.error ?? data;

/** A business code sent as a number or a numeric string (GLM `"1261"`, MiniMax `1008`). */
export function numericErrorCode(fields: ErrorFields): number | undefined {
  const { code } = fields;
  if (typeof code === 'number') return code;
  return typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
}

/**
 * The structure of a provider whose errors are `errorFieldsSchema` bodies (GLM, Moonshot): its code
 * table reads the error fields; the message is their `message` unless the provider says otherwise.
 */
export function errorFieldsStructure(options: {
  name: string;
  classify(fields: ErrorFields, failure: { status: number; message: string }): Classification | undefined;
  errorToMessage?(fields: ErrorFields, status: number): string | undefined;
}): ProviderErrorStructure<ErrorFieldsData> {
  const toMessage = options.errorToMessage ?? ((fields: ErrorFields) => fields.message);
  return {
    name: options.name,
    errorSchema: errorFieldsSchema,
    errorToMessage: (data, status) => toMessage(errorFieldsOf(data), status),
    classify: (data, failure) => options.classify(errorFieldsOf(data), failure),
  };
}

/** The error bodies OpenAI-compatible servers send: `{error: {...}}`, `{error: "..."}`, `{message}`, `base_resp`. */
export const openAICompatibleErrorSchema = z.looseObject({
  error: z.union([z.string(), openAIErrorObjectSchema]).optional().catch(undefined),
  message: text,
  base_resp: z.looseObject({ status_msg: text }).optional().catch(undefined),
});

export type OpenAICompatibleErrorData = z.infer<typeof openAICompatibleErrorSchema>;

/** The generic structure, used by adapters that declare none. */
export const openAICompatibleErrorStructure: ProviderErrorStructure<OpenAICompatibleErrorData> = {
  errorSchema: openAICompatibleErrorSchema,
  errorToMessage: (data) => {
    if (typeof data.error === 'string') return data.error;
    return data.error?.message ?? data.message ?? data.base_resp?.status_msg;
  },
  classify: (data, failure) => {
    const error = typeof data.error === 'object' ? data.error : undefined;
    const codeText = [error?.code, error?.type].filter((value) => value !== undefined).join(' ');
    const classification = classifyStatus(failure.status, `${codeText} ${failure.message}`);
    return error?.param ? { ...classification, param: error.param } : classification;
  },
};

export interface ProviderErrorOptions {
  /** The provider id when the failure names none. */
  provider: string;
  /** A key to scrub from upstream text besides the registered secrets (upstreams sometimes echo it). */
  apiKey?: string | undefined;
}

/**
 * The pipeline: parse the body with the structure's schema (once), extract the message, classify (the
 * structure's table, then `classifyStatus`), build the error. The status is the classification's, else
 * the upstream's when it is an error status; a credential failure keeps its own (502). `Retry-After` is
 * read for rate_limited and overloaded only. Upstream text is scrubbed of credentials.
 */
export function mapProviderError<T>(
  structure: ProviderErrorStructure<T>,
  failure: UpstreamFailure,
  options: ProviderErrorOptions,
): GatewayError {
  const { status, body } = failure;
  const parsed = structure.errorSchema.safeParse(body);
  let message: string | undefined;
  let classification: Classification | undefined;
  if (parsed.success) {
    message = structure.errorToMessage(parsed.data, status);
    classification = structure.classify?.(parsed.data, { status, message: message ?? '' });
  } else if (typeof body === 'string') {
    message = body.trim() || undefined;
  }
  message ??= structure.name ? `${structure.name} request failed with status ${status}` : undefined;
  classification ??= classifyStatus(status, message);
  const retryAfterMs =
    classification.code === 'rate_limited' || classification.code === 'overloaded'
      ? parseRetryAfter(failure.headers)
      : undefined;
  const upstreamStatus = status >= 400 && !isCredentialFailure(classification) ? status : undefined;
  const statusCode = classification.statusCode ?? upstreamStatus;
  const provider = failure.provider ?? options.provider;
  const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const secrets = [options.apiKey];
  return new GatewayError(classification.code, {
    provider,
    model: failure.model,
    ...(message ? { message: redactSecrets(`${provider}: ${message}`, secrets) } : {}),
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(classification.param ? { param: classification.param } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(raw ? { responseBody: redactSecrets(raw, secrets) } : {}),
  });
}
