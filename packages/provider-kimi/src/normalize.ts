import type { ChatChunk, ChatResponse } from '@exai/core';
import { normalizeUsage, type RawChunk, type RawCompletion } from '@exai/provider-openai-compatible';

/** Kimi completion → gateway response: `reasoning_content` (thinking models) kept. */
export function normalizeKimiResponse(raw: RawCompletion, response: ChatResponse): ChatResponse {
  const choices = response.choices.map((choice, position) => {
    const reasoning = raw.choices?.[position]?.message?.reasoning_content;
    if (!reasoning || choice.message.reasoning_content) return choice;
    return { ...choice, message: { ...choice.message, reasoning_content: reasoning } };
  });
  return { ...response, choices };
}

/**
 * Kimi stream chunk → gateway chunk: `reasoning_content` deltas kept, and the usage Kimi reports
 * inside the last chunk's choice (`choices[0].usage`, read like any usage) lifted to the chunk.
 */
export function normalizeKimiChunk(raw: RawChunk, chunk: ChatChunk): ChatChunk {
  let usage = chunk.usage;
  const choices = chunk.choices.map((choice, position) => {
    const rawChoice = raw.choices?.[position];
    usage ??= normalizeUsage(rawChoice?.usage);
    const reasoning = rawChoice?.delta?.reasoning_content;
    if (!reasoning || choice.delta.reasoning_content) return choice;
    return { ...choice, delta: { ...choice.delta, reasoning_content: reasoning } };
  });
  return { ...chunk, choices, ...(usage ? { usage } : {}) };
}
