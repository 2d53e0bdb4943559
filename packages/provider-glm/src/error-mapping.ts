import type { GatewayError } from '@exai/core';
import { buildError, type Classification, classifyStatus, looksLikeContextLength, readErrorBody, type UpstreamFailure } from '@exai/provider-openai-compatible';

/** GLM business codes (docs.z.ai "API error codes") to gateway codes. */
export function classifyGlmCode(code: number, message = ''): Classification | undefined {
  // The gateway's own key or account (not the caller's): fail over at once and hold the key out.
  if (code >= 1000 && code <= 1004) return { code: 'upstream_auth' };
  if (code === 1113) return { code: 'upstream_billing' }; // account in arrears (sent with HTTP 429)
  if (code >= 1110 && code <= 1121) return { code: 'upstream_auth' }; // account inactive, locked, missing
  if (code === 1211) return { code: 'not_found', param: 'model' };
  if (code === 1220) return { code: 'upstream_auth' }; // no permission for this API
  if (code === 1221 || code === 1222) return { code: 'not_found' };
  if (code === 1261) return { code: 'context_length' };
  if (code === 1300 || code === 1301) return { code: 'content_filter' };
  if (code === 1302 || code === 1303 || code === 1304 || code === 1305 || code === 1308 || code === 1310) return { code: 'rate_limited' };
  if (code === 1312) return { code: 'overloaded' }; // model under high traffic
  if (code === 1230 || code === 1234 || code === 500) return { code: 'server' };
  if (code >= 1200 && code < 1300) return { code: looksLikeContextLength(message) ? 'context_length' : 'bad_request' };
  return undefined;
}

/** Maps a failed GLM call (`{"error":{"code","message"}}`) to a typed gateway error. */
export function mapGlmError(failure: UpstreamFailure): GatewayError {
  const { code, message } = readErrorBody(failure.body);
  const text = message ?? `GLM request failed with status ${failure.status}`;
  const classification = (code !== undefined ? classifyGlmCode(code, text) : undefined) ?? classifyStatus(failure.status, text);
  return buildError(classification, failure, code !== undefined ? `${text} (GLM ${code})` : text, 'glm');
}
