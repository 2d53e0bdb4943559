import type { ChatMessage, Citation, ProviderAdapter } from '@exai/core';
import { builtinSearchResults, textOf } from '@exai/engine';
import { z } from 'zod';
import { callerOptions, metaOf } from '../ask.js';
import { failure } from '../errors.js';
import { webSearchOutput } from '../outputs.js';
import { defineTool, fields, type RunContext } from '../spec.js';
import type { ToolResult } from '../types.js';

const input = z.strictObject({
  query: z.string().min(1).describe('What to search for'),
  provider: z.enum(['glm', 'kimi']).optional().describe('Default: glm if configured, else kimi'),
  count: z.number().int().min(1).max(20).default(5),
  recency: z.enum(['oneDay', 'oneWeek', 'oneMonth', 'oneYear', 'noLimit']).optional(),
  continuation_id: fields.continuation_id,
});

const byKind = (context: RunContext, kind: string): ProviderAdapter | undefined =>
  context.engine.adapters().find((adapter) => adapter.kind === kind);

function formatCitations(citations: Citation[]): string {
  if (citations.length === 0) return 'No results.';
  return citations
    .map(
      (citation, index) =>
        `${index + 1}. ${citation.title ?? citation.url}\n   ` +
        `${citation.url}${citation.snippet ? `\n   ${citation.snippet.slice(0, 300)}` : ''}`,
    )
    .join('\n');
}

/** Stores the search and its answer in the caller's thread (a new one without `continuation_id`). */
function remember(
  context: RunContext,
  args: z.infer<typeof input>,
  answer: string,
  by: { provider: string; model: string },
): Promise<string> {
  const thread = args.continuation_id ? { threadId: args.continuation_id } : {};
  return context.engine.remember(context.scope, {
    ...thread,
    question: `web search: ${args.query}`,
    answer,
    tool: 'web_search',
    ...by,
  });
}

/** GLM's standalone search endpoint, counted by the provider's breaker. */
async function glmSearch(
  context: RunContext,
  adapter: ProviderAdapter,
  args: z.infer<typeof input>,
): Promise<ToolResult> {
  const search = adapter.webSearch!.bind(adapter);
  const citations = await context.engine.throughBreaker(adapter.id, () =>
    search(args.query, {
      count: args.count,
      ...(args.recency ? { recency: args.recency } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    }),
  );
  const text = formatCitations(citations.slice(0, args.count));
  const id = await remember(context, args, text, { provider: adapter.id, model: 'web_search' });
  const meta = {
    provider: adapter.id,
    model: 'web_search',
    continuation_id: id,
    simulated: context.engine.simulated,
    attempts: 1,
  };
  return {
    content: `${text}\n\n---\ncontinuation_id: ${id}${meta.simulated ? ' · SIMULATED' : ''}`,
    structured: { results: citations.slice(0, args.count), continuation_id: id },
    meta,
  };
}

/** Kimi's `$web_search` built-in: the model asks for it, the arguments go back as the tool result, Kimi answers. */
async function kimiSearch(
  context: RunContext,
  adapter: ProviderAdapter,
  args: z.infer<typeof input>,
): Promise<ToolResult> {
  const model = `${adapter.id}/kimi`;
  const options = {
    tool: 'web_search',
    route: 'tool:web_search',
    ...(context.signal ? { signal: context.signal } : {}),
    ...callerOptions(context),
  };
  const messages: ChatMessage[] = [{ role: 'user', content: `Search the web and answer with sources: ${args.query}` }];
  context.progress?.({ progress: 0, message: 'kimi: searching' });
  const first = await context.engine.chat({ model, messages, tools: [{ type: 'web_search' }] }, options);
  let final = first;
  const message = first.choices[0]?.message;
  const results = builtinSearchResults(message);
  if (message && results.length > 0) {
    context.progress?.({ progress: 1, message: 'kimi: reading results' });
    const followUp: ChatMessage[] = [...messages, message, ...results];
    final = await context.engine.chat(
      { model: `${first.provider}/${first.model}`, messages: followUp, tools: [{ type: 'web_search' }] },
      options,
    );
  }
  const answer = textOf(final.choices[0]?.message);
  const id = await remember(context, args, answer, { provider: final.provider, model: final.model });
  const meta = {
    ...metaOf(final.exai),
    continuation_id: id,
    attempts: first.exai.attempts.length + (final === first ? 0 : final.exai.attempts.length),
  };
  return {
    content: `${answer}\n\n---\ncontinuation_id: ${id}${meta.simulated ? ' · SIMULATED' : ''}`,
    structured: { answer, continuation_id: id, ...(final.citations ? { results: final.citations } : {}) },
    meta,
  };
}

export const webSearchTool = defineTool({
  name: 'web_search',
  title: 'Web search',
  description:
    "Search the web with GLM's search API or Kimi's $web_search built-in; returns results (GLM) or a sourced " +
    'answer (Kimi).',
  profile: 'standard',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  output: webSearchOutput,
  input,
  async run(args, context) {
    const glm = byKind(context, 'glm');
    const kimi = byKind(context, 'kimi');
    const provider = args.provider ?? (glm?.webSearch ? 'glm' : kimi ? 'kimi' : undefined);
    if (provider === 'glm' && glm?.webSearch) return await glmSearch(context, glm, args);
    if (provider === 'kimi' && kimi) return await kimiSearch(context, kimi, args);
    return failure(
      `web search via ${provider ?? 'GLM or Kimi'} is not available: that provider is not configured`,
      'configure GLM_API_KEY or KIMI_API_KEY, or use chat without search',
    );
  },
});
