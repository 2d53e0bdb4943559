import type { GatewayError } from '@exai/core';
import { buildError, type Classification, classifyStatus, looksLikeContextLength, readErrorBody, type UpstreamFailure } from '@exai/provider-openai-compatible';

/** MiniMax `base_resp.status_code` values (platform docs, "Error Codes") to gateway codes. */
export function classifyMinimaxCode(code: number, message = ''): Classification | undefined {
  switch (code) {
    case 1001:
      return { code: 'timeout' };
    case 1002:
    case 1041: // connection limit
    case 2045: // request-rate growth limit
    case 2056: // usage limit of the plan
      return { code: 'rate_limited' };
    // The gateway's own key or account (not the caller's): fail over at once and hold the key out.
    case 1004: // login fail (also sent with HTTP 200)
    case 2049: // invalid api key
      return { code: 'upstream_auth' };
    case 1008:
      return { code: 'upstream_billing' }; // insufficient balance
    case 1026: // input sensitive
    case 1027: // output sensitive
      return { code: 'content_filter' };
    case 1039:
      return { code: 'context_length' };
    case 1042: // illegal characters
    case 2013: // invalid parameters
      return { code: looksLikeContextLength(message) ? 'context_length' : 'bad_request' };
    case 1000:
    case 1013:
    case 1024:
    case 1033:
      return { code: 'server' };
    default:
      return undefined;
  }
}

/** A MiniMax `base_resp`, when the body carries a non-zero one (MiniMax reports some errors with HTTP 200). */
export function readBaseResp(body: unknown): { statusCode: number; statusMessage: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const base = (body as { base_resp?: unknown }).base_resp;
  if (typeof base !== 'object' || base === null) return undefined;
  const statusCode = Number((base as { status_code?: unknown }).status_code);
  if (!Number.isFinite(statusCode) || statusCode === 0) return undefined;
  const statusMessage = (base as { status_msg?: unknown }).status_msg;
  return { statusCode, statusMessage: typeof statusMessage === 'string' ? statusMessage : '' };
}

/**
 * Maps a failed MiniMax call to a typed gateway error. Reads `base_resp: {status_code, status_msg}`
 * first (HTTP 200 or not), then an OpenAI-style `{error: {...}}`, then the HTTP status.
 */
export function mapMinimaxError(failure: UpstreamFailure): GatewayError {
  const base = readBaseResp(failure.body);
  if (base) {
    const text = base.statusMessage || `MiniMax error ${base.statusCode}`;
    const specific = classifyMinimaxCode(base.statusCode, text);
    // A generic "system error" code says less than an HTTP 503 does: let the status speak then.
    const classification =
      specific && !(specific.code === 'server' && failure.status >= 400)
        ? specific
        : failure.status >= 400
          ? classifyStatus(failure.status, text)
          : { code: 'server' as const };
    return buildError(classification, failure, `${text} (MiniMax ${base.statusCode})`, 'minimax');
  }
  const { code, message } = readErrorBody(failure.body);
  const text = message ?? `MiniMax request failed with status ${failure.status}`;
  const classification = (code !== undefined ? classifyMinimaxCode(code, text) : undefined) ?? classifyStatus(failure.status, text);
  return buildError(classification, failure, text, 'minimax');
}
