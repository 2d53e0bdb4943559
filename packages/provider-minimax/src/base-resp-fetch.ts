import { ERROR_CODES } from '@exai/core';
import { classifyMinimaxCode, readBaseResp } from './error-mapping.js';

/** The HTTP status a `base_resp` error deserves (1002 → 429, 1004 → 401, 1039 → 400...). */
export function statusForBaseResp(code: number): number {
  const classification = classifyMinimaxCode(code);
  if (!classification) return 500;
  return classification.statusCode ?? ERROR_CODES[classification.code].status;
}

/**
 * MiniMax answers some failures with HTTP 200 and a JSON body carrying `base_resp: {status_code, status_msg}`
 * — for stream requests too, where no SSE follows. This fetch wrapper gives such a response the status it
 * deserves, so the base adapter's error path (and `mapMinimaxError`) handles it like any other failure
 * instead of reading an empty stream. Other responses pass through untouched (SSE is never buffered).
 */
export function withBaseRespStatus(inner: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.status !== 200 || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const text = await response.text();
    let status = 200;
    try {
      const base = readBaseResp(JSON.parse(text) as unknown);
      if (base) status = statusForBaseResp(base.statusCode);
    } catch {
      // not JSON after all: hand the text on unchanged
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(text, { status, statusText: status === 200 ? response.statusText : 'MiniMax base_resp error', headers });
  };
}
