import type { GatewayError } from '@exai/core';
import {
  type Classification,
  errorFieldsStructure,
  looksLikeContextLength,
  mapProviderError,
  type UpstreamFailure,
} from '@exai/provider-openai-compatible';

/**
 * Moonshot error `type`s (platform docs, "errors") to gateway codes. `upstream_auth` and `upstream_billing`
 * are the gateway's own key or account, not the caller's: never retried on the same key — the engine
 * holds the key out and tries the provider's next key, and when none is left the router fails over.
 */
export function classifyKimiType(type: string, message = ''): Classification | undefined {
  switch (type) {
    case 'invalid_authentication_error':
    case 'incorrect_api_key_error':
    case 'permission_denied_error':
      return { code: 'upstream_auth' };
    case 'exceeded_current_quota_error':
      return { code: 'upstream_billing' }; // out of balance (sent with HTTP 429)
    case 'content_filter':
      return { code: 'content_filter' };
    case 'rate_limit_reached_error':
      return { code: 'rate_limited' };
    case 'engine_overloaded_error':
      return { code: 'overloaded' };
    case 'resource_not_found_error':
      return /model/i.test(message) ? { code: 'not_found', param: 'model' } : { code: 'not_found' };
    case 'server_error':
    case 'unexpected_output':
      return { code: 'server' };
    case 'invalid_request_error':
      if (looksLikeContextLength(message)) return { code: 'context_length' };
      if (/not found the model|model.*(not found|not exist)|permission denied.*model/i.test(message))
        return { code: 'not_found', param: 'model' };
      return { code: 'bad_request' };
    default:
      return undefined;
  }
}

/** Kimi's error structure: `{"error": {"type", "message"}}`, classified by `classifyKimiType`. */
export const kimiErrorStructure = errorFieldsStructure({
  name: 'Kimi',
  classify: (fields, failure) => (fields.type ? classifyKimiType(fields.type, failure.message) : undefined),
});

/** Maps a failed Kimi call to a typed gateway error (the base's pipeline with Kimi's structure). */
export function mapKimiError(failure: UpstreamFailure): GatewayError {
  return mapProviderError(kimiErrorStructure, failure, { provider: 'kimi' });
}
