import type { GatewayError } from '@exai/core';
import {
  type Classification,
  errorFieldsStructure,
  looksLikeContextLength,
  mapProviderError,
  numericErrorCode,
  type UpstreamFailure,
} from '@exai/provider-openai-compatible';

/**
 * GLM business codes (docs.z.ai "API error codes") to gateway codes. `upstream_auth` and `upstream_billing`
 * are the gateway's own key or account, not the caller's: never retried on the same key — the engine
 * holds the key out and tries the provider's next key, and when none is left the router fails over.
 */
export function classifyGlmCode(code: number, message = ''): Classification | undefined {
  if (code >= 1000 && code <= 1004) return { code: 'upstream_auth' };
  if (code === 1113) return { code: 'upstream_billing' }; // account in arrears (sent with HTTP 429)
  if (code >= 1110 && code <= 1121) return { code: 'upstream_auth' }; // account inactive, locked, missing
  if (code === 1211) return { code: 'not_found', param: 'model' };
  if (code === 1220) return { code: 'upstream_auth' }; // no permission for this API
  if (code === 1221 || code === 1222) return { code: 'not_found' };
  if (code === 1261) return { code: 'context_length' };
  if (code === 1300 || code === 1301) return { code: 'content_filter' };
  if (code === 1302 || code === 1303 || code === 1304 || code === 1305 || code === 1308 || code === 1310)
    return { code: 'rate_limited' };
  if (code === 1312) return { code: 'overloaded' }; // model under high traffic
  if (code === 1230 || code === 1234 || code === 500) return { code: 'server' };
  if (code >= 1200 && code < 1300) return { code: looksLikeContextLength(message) ? 'context_length' : 'bad_request' };
  return undefined;
}

/** GLM's error structure: message with its code (`… (GLM 1261)`), classified by `classifyGlmCode`. */
export const glmErrorStructure = errorFieldsStructure({
  name: 'GLM',
  errorToMessage(fields, status) {
    const code = numericErrorCode(fields);
    const text = fields.message ?? `GLM request failed with status ${status}`;
    return code !== undefined ? `${text} (GLM ${code})` : text;
  },
  classify(fields, failure) {
    const code = numericErrorCode(fields);
    return code !== undefined ? classifyGlmCode(code, failure.message) : undefined;
  },
});

/** Maps a failed GLM call to a typed gateway error (the base's pipeline with GLM's structure). */
export function mapGlmError(failure: UpstreamFailure): GatewayError {
  return mapProviderError(glmErrorStructure, failure, { provider: 'glm' });
}
