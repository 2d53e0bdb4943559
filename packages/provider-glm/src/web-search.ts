import { type Citation, GatewayError, type WebSearchOptions } from '@exai/core';
import { toCitations } from './citations.js';
import { mapGlmError } from './error-mapping.js';

export interface GlmWebSearchCallOptions extends WebSearchOptions {
  /**
   * Default `search-prime` (Z.ai); BigModel also serves `search_std`, `search_pro`, `search_pro_sogou`,
   * `search_pro_quark`.
   */
  searchEngine?: string;
  /** Only return results from this domain. */
  domainFilter?: string;
}

export interface WebSearchTransport {
  baseURL: string;
  apiKey?: string | undefined;
  headers?: Record<string, string> | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  provider: string;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** GLM's standalone web search: `POST {baseURL}/web_search` → citations. */
export async function glmWebSearch(
  transport: WebSearchTransport,
  query: string,
  options: GlmWebSearchCallOptions = {},
): Promise<Citation[]> {
  const body = {
    search_engine: options.searchEngine ?? 'search-prime',
    search_query: query,
    ...(options.count !== undefined ? { count: options.count } : {}),
    ...(options.recency ? { search_recency_filter: options.recency } : {}),
    ...(options.domainFilter ? { search_domain_filter: options.domainFilter } : {}),
  };
  const fetchImplementation = transport.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImplementation(`${transport.baseURL.replace(/\/+$/, '')}/web_search`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(transport.apiKey ? { authorization: `Bearer ${transport.apiKey}` } : {}),
        ...transport.headers,
        ...options.headers,
      },
      body: JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) {
      throw new GatewayError('cancelled', {
        provider: transport.provider,
        message: 'The request was cancelled',
        cause: error,
      });
    }
    throw new GatewayError('network', {
      provider: transport.provider,
      message: `${transport.provider}: web search connection failed`,
      cause: error,
    });
  }
  const parsed = await readBody(response);
  if (!response.ok)
    throw mapGlmError({
      status: response.status,
      body: parsed,
      headers: response.headers,
      provider: transport.provider,
    });
  if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
    throw mapGlmError({ status: 0, body: parsed, headers: response.headers, provider: transport.provider });
  }
  return toCitations(
    typeof parsed === 'object' && parsed !== null ? (parsed as { search_result?: unknown }).search_result : undefined,
  );
}
