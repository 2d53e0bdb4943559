import type { Citation } from '@exai/core';

/** One GLM search result, as both the chat `web_search` array and `POST /web_search` return it. */
export interface GlmSearchResult {
  title?: string;
  content?: string;
  link?: string;
  media?: string;
  icon?: string;
  refer?: string;
  publish_date?: string;
}

/** GLM search results to gateway citations; results without a link are dropped. */
export function toCitations(results: unknown): Citation[] {
  if (!Array.isArray(results)) return [];
  const citations: Citation[] = [];
  for (const item of results) {
    if (typeof item !== 'object' || item === null) continue;
    const result = item as GlmSearchResult;
    const url = typeof result.link === 'string' && result.link ? result.link : undefined;
    if (!url) continue;
    citations.push({
      url,
      ...(result.title ? { title: result.title } : {}),
      ...(result.content ? { snippet: result.content } : {}),
      ...(result.media ? { source: result.media } : {}),
      ...(result.publish_date ? { published: result.publish_date } : {}),
    });
  }
  return citations;
}

/** Citations from a GLM completion or chunk: the top-level `web_search` array (also `search_result`). */
export function citationsFromCompletion(raw: unknown): Citation[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const record = raw as Record<string, unknown>;
  return toCitations(record.web_search ?? record.search_result);
}
