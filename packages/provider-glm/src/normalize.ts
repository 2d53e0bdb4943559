import type { ChatChunk, ChatResponse } from '@exai/core';
import type { RawChunk, RawCompletion } from '@exai/provider-openai-compatible';
import { citationsFromCompletion } from './citations.js';

/**
 * GLM completion → gateway response: the `web_search` results as `citations` (the base already keeps
 * `reasoning_content`; it is filled in here only when a caller hands a response without it).
 */
export function normalizeGlmResponse(raw: RawCompletion, response: ChatResponse): ChatResponse {
  const choices = response.choices.map((choice, position) => {
    const reasoning = raw.choices?.[position]?.message?.reasoning_content;
    if (!reasoning || choice.message.reasoning_content) return choice;
    return { ...choice, message: { ...choice.message, reasoning_content: reasoning } };
  });
  const citations = citationsFromCompletion(raw);
  return { ...response, choices, ...(citations.length > 0 ? { citations } : {}) };
}

/** GLM stream chunk → gateway chunk: `reasoning_content` deltas kept, `web_search` results as `citations`. */
export function normalizeGlmChunk(raw: RawChunk, chunk: ChatChunk): ChatChunk {
  const choices = chunk.choices.map((choice, position) => {
    const reasoning = raw.choices?.[position]?.delta?.reasoning_content;
    if (!reasoning || choice.delta.reasoning_content) return choice;
    return { ...choice, delta: { ...choice.delta, reasoning_content: reasoning } };
  });
  const citations = citationsFromCompletion(raw);
  return { ...chunk, choices, ...(citations.length > 0 ? { citations } : {}) };
}
