import type { GatewayError } from '@exai/core';
import {
  type Classification,
  errorFieldsOf,
  errorFieldsSchema,
  looksLikeContextLength,
  mapProviderError,
  numericErrorCode,
  type ProviderErrorStructure,
  type UpstreamFailure,
} from '@exai/provider-openai-compatible';
import { z } from 'zod';

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
    // The gateway's own key or account (not the caller's): the engine holds the key out and tries the
    // provider's next key; when none is left the router fails over.
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

const baseRespSchema = z.looseObject({
  status_code: z.coerce.number().optional().catch(undefined),
  status_msg: z.string().optional().catch(undefined),
});

/** MiniMax's error body: a `base_resp` (also on HTTP 200), an OpenAI-style `error`, or top-level fields. */
export const minimaxErrorSchema = errorFieldsSchema.extend({ base_resp: baseRespSchema.optional().catch(undefined) });

export type MinimaxErrorData = z.infer<typeof minimaxErrorSchema>;

/** The `base_resp` of parsed data, when it reports a failure (a non-zero `status_code`). */
function failedBaseResp(
  data: Pick<MinimaxErrorData, 'base_resp'>,
): { statusCode: number; statusMessage: string } | undefined {
  const statusCode = data.base_resp?.status_code;
  if (statusCode === undefined || !Number.isFinite(statusCode) || statusCode === 0) return undefined;
  return { statusCode, statusMessage: data.base_resp?.status_msg ?? '' };
}

/** A MiniMax `base_resp`, when the body carries a non-zero one (MiniMax reports some errors with HTTP 200). */
export function readBaseResp(body: unknown): { statusCode: number; statusMessage: string } | undefined {
  if (typeof body !== 'object' || body === null || !('base_resp' in body)) return undefined;
  // Only the `base_resp` is read (it rides on every MiniMax chunk): no parse of the whole body.
  const parsed = baseRespSchema.safeParse(body.base_resp);
  return parsed.success ? failedBaseResp({ base_resp: parsed.data }) : undefined;
}

/**
 * MiniMax's error structure: `base_resp: {status_code, status_msg}` first (HTTP 200 or not), then an
 * OpenAI-style `{error: {...}}`, then the HTTP status.
 */
export const minimaxErrorStructure: ProviderErrorStructure<MinimaxErrorData> = {
  name: 'MiniMax',
  errorSchema: minimaxErrorSchema,
  errorToMessage(data) {
    const base = failedBaseResp(data);
    if (base) return `${base.statusMessage || `MiniMax error ${base.statusCode}`} (MiniMax ${base.statusCode})`;
    return errorFieldsOf(data).message;
  },
  classify(data, failure) {
    const base = failedBaseResp(data);
    if (base) {
      const specific = classifyMinimaxCode(base.statusCode, failure.message);
      // A generic "system error" code says less than an HTTP 503 does: let the status speak then.
      if (specific && !(specific.code === 'server' && failure.status >= 400)) return specific;
      return failure.status >= 400 ? undefined : { code: 'server' };
    }
    const code = numericErrorCode(errorFieldsOf(data));
    return code !== undefined ? classifyMinimaxCode(code, failure.message) : undefined;
  },
};

/** Maps a failed MiniMax call to a typed gateway error (the base's pipeline with MiniMax's structure). */
export function mapMinimaxError(failure: UpstreamFailure): GatewayError {
  return mapProviderError(minimaxErrorStructure, failure, { provider: 'minimax' });
}
