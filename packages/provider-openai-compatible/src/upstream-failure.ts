import { type ErrorCode, GatewayError, isCredentialFailure, parseRetryAfter, redactSecrets } from '@exai/core';
import { BILLING } from './error-mapping.js';

/** What an adapter knows about a failed upstream call. */
export interface UpstreamFailure {
  status: number;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  headers?: { get(name: string): string | null } | Record<string, string | string[] | undefined>;
  provider?: string;
  model?: string;
}

export interface Classification {
  code: ErrorCode;
  statusCode?: number;
  param?: string;
}

export function looksLikeContextLength(message: string): boolean {
  return /context[ _-]?length|prompt.*too long|input.*too long|token.*(limit|length|exceed)|exceed.*token|maximum context/i.test(message);
}

/** Fallback by HTTP status when the body says nothing usable. */
export function classifyStatus(status: number, message = ''): Classification {
  // The provider refusing the gateway's own key or account: never the caller's `auth` (see ERROR_CODES).
  if (status === 401 || status === 403) return { code: 'upstream_auth' };
  if (status === 402 || (status === 429 && BILLING.test(message))) return { code: 'upstream_billing' };
  if (status === 404) return { code: 'not_found' };
  if (status === 408 || status === 504) return { code: 'timeout' };
  if (status === 413) return { code: 'context_length' };
  if (status === 429) return { code: 'rate_limited' };
  if (status === 503 || status === 529) return { code: 'overloaded' };
  if (status >= 500) return { code: 'server' };
  if (status >= 400) return { code: looksLikeContextLength(message) ? 'context_length' : 'bad_request' };
  return { code: 'server' };
}


/** Reads `{error: {code, type, message}}` (or the same fields at the top level, or plain text). */
export function readErrorBody(body: unknown): { code?: number; codeText?: string; message?: string; type?: string } {
  if (typeof body === 'string') return { message: body };
  if (typeof body !== 'object' || body === null) return {};
  const inner = (body as { error?: unknown }).error;
  const source = (typeof inner === 'object' && inner !== null ? inner : body) as Record<string, unknown>;
  const rawCode = source.code;
  const code = typeof rawCode === 'number' ? rawCode : typeof rawCode === 'string' && /^\d+$/.test(rawCode) ? Number(rawCode) : undefined;
  return {
    code,
    codeText: typeof rawCode === 'string' ? rawCode : undefined,
    message: typeof source.message === 'string' ? source.message : undefined,
    type: typeof source.type === 'string' ? source.type : undefined,
  };
}

/**
 * Builds the typed error. The status is the classification's, else the upstream's when it is an error
 * status (a 200 carrying an error gets the code's default). `Retry-After` is read for rate_limited and
 * overloaded only. Upstream text is scrubbed of credentials (the factories register their key).
 */
export function buildError(classification: Classification, failure: UpstreamFailure, message: string, provider: string): GatewayError {
  const retryAfterMs =
    classification.code === 'rate_limited' || classification.code === 'overloaded' ? parseRetryAfter(failure.headers) : undefined;
  // A credential failure keeps its own status (502): the upstream's 401/403 would blame the caller's key.
  const upstreamStatus = failure.status >= 400 && !isCredentialFailure(classification) ? failure.status : undefined;
  const statusCode = classification.statusCode ?? upstreamStatus;
  const raw = typeof failure.body === 'string' ? failure.body : failure.body === undefined ? undefined : JSON.stringify(failure.body);
  return new GatewayError(classification.code, {
    message: redactSecrets(`${failure.provider ?? provider}: ${message}`),
    provider: failure.provider ?? provider,
    model: failure.model,
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(classification.param ? { param: classification.param } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(raw !== undefined ? { responseBody: redactSecrets(raw) } : {}),
  });
}
