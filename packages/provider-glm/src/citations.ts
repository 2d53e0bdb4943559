import type { Citation } from '@exai/core';
import { z } from 'zod';

const optionalString = z.string().optional().catch(undefined);

/** One GLM search result, as both the chat `web_search` array and `POST /web_search` return it. */
export const glmSearchResultSchema = z.looseObject({
  title: optionalString,
  content: optionalString,
  link: optionalString,
  media: optionalString,
  icon: optionalString,
  refer: optionalString,
  publish_date: optionalString,
});

export type GlmSearchResult = z.infer<typeof glmSearchResultSchema>;

/** A list of results; an entry that is not an object is skipped. */
const searchResultsSchema = z.array(z.unknown()).transform((items) =>
  items.flatMap((item) => {
    const parsed = typeof item === 'object' && item !== null ? glmSearchResultSchema.safeParse(item) : undefined;
    return parsed?.success ? [parsed.data] : [];
  }),
);

/** GLM search results to gateway citations; results without a link are dropped. */
export function toCitations(results: unknown): Citation[] {
  const parsed = searchResultsSchema.safeParse(results);
  if (!parsed.success) return [];
  const citations: Citation[] = [];
  for (const result of parsed.data) {
    if (!result.link) continue;
    citations.push({
      url: result.link,
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
  const record: { web_search?: unknown; search_result?: unknown } = raw;
  const results = record.web_search ?? record.search_result;
  return results === undefined ? [] : toCitations(results);
}
