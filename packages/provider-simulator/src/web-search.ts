import type { Exchange } from './exchange.js';
import { errorReply, type Reply } from './reply.js';

/** One deterministic search hit, in GLM's `{title, link, content, media, icon, refer, publish_date}` shape. */
export function searchResult(query: string, index: number): Record<string, string> {
  const slug = encodeURIComponent(query.slice(0, 40).toLowerCase().replace(/\s+/g, '-'));
  return {
    title: `Result ${index + 1} for ${query}`,
    link: `https://example.com/${slug}/${index + 1}`,
    content: `Simulated search result ${index + 1} about ${query}.`,
    media: 'Example News',
    icon: 'https://example.com/favicon.ico',
    refer: `ref_${index + 1}`,
    publish_date: '2026-01-15',
  };
}

/** GLM's standalone `POST /web_search`. */
export function webSearch(exchange: Exchange, body: Record<string, unknown> | undefined): Reply {
  const query = body?.search_query;
  if (typeof query !== 'string' || query === '') {
    return errorReply(exchange, 400, 'bad_request', 'search_query is required');
  }
  if (typeof body?.search_engine !== 'string')
    return errorReply(exchange, 400, 'bad_request', 'search_engine is required');
  const requested = typeof body.count === 'number' ? body.count : 10;
  const count = Math.max(1, Math.min(50, Math.floor(requested)));
  const results = Array.from({ length: count }, (_, index) => searchResult(query, index));
  return {
    kind: 'json',
    status: 200,
    body: {
      id: `web-search-sim-${exchange.attempt.seq}`,
      created: Math.floor(Date.now() / 1000),
      request_id: `web-search-sim-${exchange.attempt.seq}`,
      search_intent: [{ query, intent: 'SEARCH_ALL', keywords: query }],
      search_result: results,
    },
  };
}
