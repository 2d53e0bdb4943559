import type { ChatChunk, ChatResponse } from '@exai/core';
import type { RawChunk, RawCompletion } from '@exai/provider-openai-compatible';
import { citationsFromCompletion } from './citations.js';

/** GLM completion → gateway response: the `web_search` results as `citations` (the base keeps `reasoning_content`). */
export function normalizeGlmResponse(raw: RawCompletion, response: ChatResponse): ChatResponse {
  const citations = citationsFromCompletion(raw);
  return citations.length > 0 ? { ...response, citations } : response;
}

/**
 * GLM stream chunk → gateway chunk: the `web_search` results as `citations` (the base keeps `reasoning_content`
 * deltas).
 */
export function normalizeGlmChunk(raw: RawChunk, chunk: ChatChunk): ChatChunk {
  const citations = citationsFromCompletion(raw);
  return citations.length > 0 ? { ...chunk, citations } : chunk;
}
