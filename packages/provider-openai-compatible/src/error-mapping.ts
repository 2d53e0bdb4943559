import { GatewayError, redactSecrets } from '@exai/core';
import type { APIError } from 'openai';
import { loadedSdk } from './client.js';
import { mapProviderError, openAICompatibleErrorStructure, type ProviderErrorStructure } from './provider-error.js';

export interface MappingContext {
  provider: string;
  model: string | undefined;
  /** The key to scrub from any upstream text (upstreams sometimes echo it). */
  apiKey?: string | undefined;
  /** The provider's error structure; default `openAICompatibleErrorStructure`. */
  errorStructure?: ProviderErrorStructure<unknown> | undefined;
  /** The caller's signal: an abort wins over whatever the transport reported. */
  signal?: AbortSignal | undefined;
}

const CONNECTION_CODES = new RegExp(
  [
    'ECONNRESET|ECONNREFUSED|EPIPE|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_',
    'other side closed|terminated|socket hang up|fetch failed',
  ].join('|'),
  'i',
);

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

/**
 * Maps an upstream failure with the adapter's error structure (see `provider-error.ts`: the one
 * pipeline); `status` 0 means an `error` object inside a 200 body or stream.
 */
export function mapUpstreamFailure(
  status: number,
  body: unknown,
  headers: Headers,
  context: MappingContext,
): GatewayError {
  const structure = context.errorStructure ?? openAICompatibleErrorStructure;
  return mapProviderError(
    structure,
    { status, body, headers, provider: context.provider, model: context.model },
    context,
  );
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
  // The SDK's errors exist only once something loaded it (files, the remote model list).
  const sdk = loadedSdk();
  if ((sdk && error instanceof sdk.APIUserAbortError) || isAbort(error)) return cancelled(context, error);
  if (sdk && error instanceof sdk.APIConnectionTimeoutError) {
    return new GatewayError('timeout', { provider: context.provider, model: context.model, cause: error });
  }
  const base = { provider: context.provider, model: context.model, cause: error };
  if (sdk && error instanceof sdk.APIConnectionError) {
    const detail = withoutAddresses(redact(connectionText(error.cause ?? error), context.apiKey)).trim();
    return new GatewayError('network', { ...base, message: `${context.provider}: connection failed (${detail})` });
  }
  if (sdk && error instanceof sdk.APIError && typeof error.status === 'number') {
    const body =
      (error as APIError & { rawBody?: unknown }).rawBody ?? (error.error ? { error: error.error } : error.message);
    return mapUpstreamFailure(error.status, body, error.headers ?? new Headers(), context);
  }
  const text = connectionText(error);
  if (CONNECTION_CODES.test(text)) {
    const message =
      `${context.provider}: ${interrupted ? 'stream interrupted' : 'connection failed'} ` +
      `(${withoutAddresses(redact(text, context.apiKey)).trim()})`;
    return new GatewayError(interrupted ? 'stream_interrupted' : 'network', { ...base, message });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError(interrupted ? 'stream_interrupted' : 'server', {
    ...base,
    message: redact(`${context.provider}: ${message}`, context.apiKey),
  });
}
