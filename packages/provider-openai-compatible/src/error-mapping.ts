import { type ErrorCode, GatewayError, parseRetryAfter, redactSecrets } from '@exai/core';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ErrorMapper } from './types.js';

export interface MappingContext {
  provider: string;
  model: string | undefined;
  /** The key to scrub from any upstream text (upstreams sometimes echo it). */
  apiKey?: string | undefined;
  errorMapper?: ErrorMapper | undefined;
  /** The caller's signal: an abort wins over whatever the transport reported. */
  signal?: AbortSignal | undefined;
}

const CONTEXT_LENGTH =
  /context[_ ]length|maximum context|context window|token limit|too many tokens|exceeds? (the )?max(imum)? (length|tokens)|input is too long|prompt is too long/i;
const CONTENT_FILTER = /content[_ ]filter|content[_ ]policy|safety system|sensitive content|inappropriate content|moderation/i;
const RATE_LIMIT = /rate[_ ]limit|too many requests/i;
const OVERLOADED = /overloaded|capacity|unavailable/i;
/** A refusal of the gateway's account rather than of the request: out of balance, quota or plan. */
export const BILLING = /insufficient[_ ]quota|exceeded your current quota|insufficient[_ ]balance|billing|balance|arrears|余额不足|欠费|充值/i;
const CONNECTION_CODES = /ECONNRESET|ECONNREFUSED|EPIPE|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_|other side closed|terminated|socket hang up|fetch failed/i;

/**
 * Connection errors name the upstream's address (`connect ECONNREFUSED 10.0.0.7:8443`, `getaddrinfo
 * ENOTFOUND llm.internal`); clients see the error code only, the address stays in the operator's config.
 */
function withoutAddresses(text: string): string {
  return text
    .replace(/\b(ENOTFOUND|EAI_AGAIN|connect E[A-Z]+)\s+[^\s()]+/g, '$1')
    .replace(/\[[0-9a-fA-F:.]+\](?::\d{1,5})?|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '')
    .replace(/\s{2,}/g, ' ');
}

/** Scrubs the API key (and anything that looks like a credential) from upstream text. */
export function redact(text: string, apiKey: string | undefined): string {
  return redactSecrets(text, [apiKey]);
}

/** The upstream's human message from an error body in any of the common shapes. */
export function upstreamMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as Record<string, unknown>).message;
    if (typeof message === 'string') return message;
  }
  if (typeof record.message === 'string') return record.message;
  const baseResponse = record.base_resp as Record<string, unknown> | undefined;
  if (typeof baseResponse?.status_msg === 'string') return baseResponse.status_msg;
  return undefined;
}

function upstreamCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, type } = error as Record<string, unknown>;
  return [code, type].filter((value) => typeof value === 'string' || typeof value === 'number').join(' ') || undefined;
}

function upstreamParam(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>).error;
  const param = typeof error === 'object' && error !== null ? (error as Record<string, unknown>).param : undefined;
  return typeof param === 'string' ? param : undefined;
}

/** The generic mapping from an HTTP status and body to the gateway's error code. */
export function codeForStatus(status: number, body: unknown): ErrorCode {
  const text = `${upstreamCode(body) ?? ''} ${upstreamMessage(body) ?? ''}`;
  // The provider refusing the gateway's own key or account: never the caller's `auth` (see ERROR_CODES).
  if (status === 401 || status === 403) return 'upstream_auth';
  if (status === 402 || (status === 429 && BILLING.test(text))) return 'upstream_billing';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server';
  if (status === 0 && RATE_LIMIT.test(text)) return 'rate_limited';
  if (status === 0 && OVERLOADED.test(text)) return 'overloaded';
  if (status === 400 || status === 413 || status === 422 || status === 0) {
    if (CONTEXT_LENGTH.test(text)) return 'context_length';
    if (CONTENT_FILTER.test(text)) return 'content_filter';
    return status === 0 ? 'server' : 'bad_request';
  }
  if (status >= 400) return 'bad_request';
  return 'server';
}

/** Generic mapping of an HTTP failure; `status` 0 means an `error` object inside a 200 body or stream. */
export function mapHttpError(status: number, body: unknown, headers: Headers, context: MappingContext): GatewayError {
  const code = codeForStatus(status, body);
  const message = upstreamMessage(body);
  const retryAfterMs = code === 'rate_limited' || code === 'overloaded' ? parseRetryAfter(headers) : undefined;
  const param = upstreamParam(body);
  const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  return new GatewayError(code, {
    provider: context.provider,
    model: context.model,
    ...(status > 0 && code !== 'upstream_auth' && code !== 'upstream_billing' ? { statusCode: status } : {}),
    ...(message ? { message: redact(`${context.provider}: ${message}`, context.apiKey) } : {}),
    ...(raw ? { responseBody: redact(raw, context.apiKey) } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(param ? { param } : {}),
  });
}

/** Runs the provider's error mapper, falling back to the generic mapping. */
export function mapUpstreamFailure(status: number, body: unknown, headers: Headers, context: MappingContext): GatewayError {
  const fallback = () => mapHttpError(status, body, headers, context);
  const mapped = context.errorMapper?.(status, body, headers, { provider: context.provider, model: context.model, fallback });
  return mapped ?? fallback();
}

function cancelled(context: MappingContext, cause: unknown): GatewayError {
  const reason = context.signal?.reason;
  if (GatewayError.isInstance(reason)) return reason;
  return new GatewayError('cancelled', {
    provider: context.provider,
    model: context.model,
    message: 'The request was cancelled',
    cause,
  });
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}

function connectionText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    parts.push(current.message, String((current as { code?: unknown }).code ?? ''));
    current = current.cause;
  }
  return parts.join(' ');
}

/**
 * Turns anything the SDK or the transport threw into a GatewayError. An abort of the caller's
 * signal always becomes `cancelled` (or the signal's reason when that is a GatewayError).
 * `interrupted` says a response had started (mid-body failures become `stream_interrupted`).
 */
export function toProviderError(error: unknown, context: MappingContext, interrupted = false): GatewayError {
  if (context.signal?.aborted) return cancelled(context, error);
  if (GatewayError.isInstance(error)) return error;
  if (error instanceof APIUserAbortError || isAbort(error)) return cancelled(context, error);
  if (error instanceof APIConnectionTimeoutError) {
    return new GatewayError('timeout', { provider: context.provider, model: context.model, cause: error });
  }
  const base = { provider: context.provider, model: context.model, cause: error };
  if (error instanceof APIConnectionError) {
    const detail = withoutAddresses(redact(connectionText(error.cause ?? error), context.apiKey)).trim();
    return new GatewayError('network', { ...base, message: `${context.provider}: connection failed (${detail})` });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const body = (error as APIError & { rawBody?: unknown }).rawBody ?? (error.error ? { error: error.error } : error.message);
    return mapUpstreamFailure(error.status, body, error.headers ?? new Headers(), context);
  }
  const text = connectionText(error);
  if (CONNECTION_CODES.test(text)) {
    const message = `${context.provider}: ${interrupted ? 'stream interrupted' : 'connection failed'} (${withoutAddresses(redact(text, context.apiKey)).trim()})`;
    return new GatewayError(interrupted ? 'stream_interrupted' : 'network', { ...base, message });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError(interrupted ? 'stream_interrupted' : 'server', {
    ...base,
    message: redact(`${context.provider}: ${message}`, context.apiKey),
  });
}
