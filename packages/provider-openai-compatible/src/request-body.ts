import { type ChatRequest, type ModelInfo, safeProviderOptions } from '@exai/core';
import type { RequestBody } from './types.js';

/** Fields that exist only in the gateway's dialect and are never sent upstream as such. */
export const GATEWAY_ONLY_FIELDS = ['models', 'continuation_id', 'provider_options'] as const;

export interface PrepareOptions {
  model: ModelInfo;
  stream: boolean;
  includeStreamUsage: boolean;
}

/**
 * The generic shaping every provider gets before its own `transformRequest`: gateway-only
 * fields removed, `provider_options` merged into the body (never over `model`, `messages`, `stream` or the
 * token limits: see `PROTECTED_PROVIDER_OPTIONS`), the model id resolved from its
 * alias, `stream` set, and usage requested on the final stream chunk. Undefined values are dropped.
 */
export function prepareRequestBody(request: ChatRequest, options: PrepareOptions): RequestBody {
  const { models: _models, continuation_id: _continuation, provider_options, ...rest } = request;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) body[key] = value;
  if (provider_options) Object.assign(body, safeProviderOptions(provider_options));
  body.model = options.model.id;
  body.messages = request.messages;
  if (options.stream) {
    body.stream = true;
    if (options.includeStreamUsage) {
      body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
    }
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return body as RequestBody;
}

/** Shared by the providers' request shaping: `value` moved into [low, high]. */
export const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** A function tool without `strict` (providers that do not take it reject or ignore it); other tools as given. */
export function withoutStrict(tool: unknown): unknown {
  if (typeof tool !== 'object' || tool === null) return tool;
  const record = tool as Record<string, unknown>;
  if (record.type !== 'function' || typeof record.function !== 'object' || record.function === null) return record;
  const { strict: _strict, ...fn } = record.function as Record<string, unknown>;
  return { ...record, function: fn };
}
