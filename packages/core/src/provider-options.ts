import { BadRequestError } from './errors.js';

/**
 * Body fields `provider_options` may not set: what the gateway decides (the model it resolved,
 * the messages with their history, streaming) and the output limits. `n` multiplies the cost of a call.
 */
export const PROTECTED_PROVIDER_OPTIONS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'n',
  'models',
  'continuation_id',
  'provider_options',
]);

/** Names that would reach an object's prototype when assigned. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Throws `BadRequestError` (param `provider_options.<field>`) when the options try to set a protected field. */
export function assertProviderOptions(options: Readonly<Record<string, unknown>> | undefined): void {
  if (!options) return;
  for (const key of Object.keys(options)) {
    if (PROTECTED_PROVIDER_OPTIONS.has(key) || PROTOTYPE_KEYS.has(key)) {
      throw new BadRequestError({
        message:
          `provider_options may not set '${key}'; set it in the request itself (model, messages, stream ` +
          `and the token limits are the gateway's)`,
        param: `provider_options.${key}`,
      });
    }
  }
}

/** The options without protected fields: what a provider merges into its upstream body. */
export function safeProviderOptions(
  options: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (!options) return undefined;
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!PROTECTED_PROVIDER_OPTIONS.has(key) && !PROTOTYPE_KEYS.has(key)) safe[key] = value;
  }
  return safe;
}
