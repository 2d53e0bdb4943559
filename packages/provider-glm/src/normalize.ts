import type { ChatChunk, ChatResponse } from '@exai/core';
import { citationsFromCompletion } from './citations.js';

type Raw = Record<string, unknown>;

function rawChoices(raw: Raw): Raw[] {
  return Array.isArray(raw.choices) ? (raw.choices as Raw[]) : [];
}

function field(record: unknown, name: string): unknown {
  return typeof record === 'object' && record !== null ? (record as Raw)[name] : undefined;
}

/** GLM completion → gateway response: `reasoning_content` kept, the `web_search` results as `citations`. */
export function normalizeGlmResponse(raw: Raw, response: ChatResponse): ChatResponse {
  const choices = response.choices.map((choice, position) => {
    const reasoning = field(field(rawChoices(raw)[position], 'message'), 'reasoning_content');
    if (typeof reasoning !== 'string' || reasoning === '' || choice.message.reasoning_content) return choice;
    return { ...choice, message: { ...choice.message, reasoning_content: reasoning } };
  });
  const citations = citationsFromCompletion(raw);
  return { ...response, choices, ...(citations.length > 0 ? { citations } : {}) };
}

/** GLM stream chunk → gateway chunk: `reasoning_content` deltas kept, `web_search` results as `citations`. */
export function normalizeGlmChunk(raw: Raw, chunk: ChatChunk): ChatChunk {
  const choices = chunk.choices.map((choice, position) => {
    const reasoning = field(field(rawChoices(raw)[position], 'delta'), 'reasoning_content');
    if (typeof reasoning !== 'string' || reasoning === '' || choice.delta.reasoning_content) return choice;
    return { ...choice, delta: { ...choice.delta, reasoning_content: reasoning } };
  });
  const citations = citationsFromCompletion(raw);
  return { ...chunk, choices, ...(citations.length > 0 ? { citations } : {}) };
}
