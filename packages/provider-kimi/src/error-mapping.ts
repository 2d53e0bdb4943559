import type { GatewayError } from '@exai/core';
import { buildError, type Classification, classifyStatus, looksLikeContextLength, readErrorBody, type UpstreamFailure } from '@exai/provider-openai-compatible';

/** Moonshot error `type`s (platform docs, "errors") to gateway codes. */
export function classifyKimiType(type: string, message = ''): Classification | undefined {
  switch (type) {
    // The gateway's own key or account (not the caller's): fail over at once and hold the key out.
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
      if (/not found the model|model.*(not found|not exist)|permission denied.*model/i.test(message)) return { code: 'not_found', param: 'model' };
      return { code: 'bad_request' };
    default:
      return undefined;
  }
}

/** Maps a failed Kimi call (`{"error":{"type","message"}}`) to a typed gateway error. */
export function mapKimiError(failure: UpstreamFailure): GatewayError {
  const { type, message } = readErrorBody(failure.body);
  const text = message ?? `Kimi request failed with status ${failure.status}`;
  const classification = (type ? classifyKimiType(type, text) : undefined) ?? classifyStatus(failure.status, text);
  return buildError(classification, failure, text, 'kimi');
}
