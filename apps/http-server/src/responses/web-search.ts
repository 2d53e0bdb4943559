import { BadRequestError, type ChatRequest } from '@exai/core';
import { builtinSearchResults, type Engine, type EngineCallOptions, type EngineChatResult } from '@exai/engine';

/** The providers with a native web search the chat path can use: GLM's `web_search` tool, Kimi's `$web_search`. */
const NATIVE_SEARCH = new Set(['glm', 'kimi']);

/**
 * Which provider serves the built-in `web_search` tool of this call: the kind of the first target. Any other
 * provider is a 400 naming the tool (`param`), before any upstream call.
 */
export function webSearchProvider(
  engine: Engine,
  chat: ChatRequest,
  param: string,
  options: EngineCallOptions,
): 'glm' | 'kimi' {
  const first = engine.chain(chat, options)[0];
  if (first && NATIVE_SEARCH.has(first.adapter.kind)) return first.adapter.kind as 'glm' | 'kimi';
  throw new BadRequestError({
    message:
      'The built-in web_search tool is served on GLM and Kimi models only (their own web search); ' +
      `'${chat.model.slice(0, 200)}' is answered by ${first?.provider ?? 'no provider'}. Use a GLM or Kimi model, ` +
      'or send the request without it',
    param,
  });
}

/**
 * Kimi's `$web_search` round: one call with the built-in; when the model searched, the request that continues
 * from the search (on the provider and model that searched), else the answer it already gave.
 */
export async function searchFirst(
  engine: Engine,
  chat: ChatRequest,
  options: EngineCallOptions,
): Promise<{ request: ChatRequest; answer?: EngineChatResult }> {
  const first = await engine.chat(chat, options);
  const message = first.choices[0]?.message;
  const results = builtinSearchResults(message);
  if (!message || results.length === 0) return { request: chat, answer: first };
  const { models: _models, ...rest } = chat;
  return {
    request: { ...rest, model: `${first.provider}/${first.model}`, messages: [...chat.messages, message, ...results] },
  };
}
