import type { ChatChunk, ChatResponse, Usage } from '@exai/core';

type Raw = Record<string, unknown>;

function rawChoices(raw: Raw): Raw[] {
  return Array.isArray(raw.choices) ? (raw.choices as Raw[]) : [];
}

function field(record: unknown, name: string): unknown {
  return typeof record === 'object' && record !== null ? (record as Raw)[name] : undefined;
}

function toUsage(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Raw;
  const prompt = Number(record.prompt_tokens ?? 0);
  const completion = Number(record.completion_tokens ?? 0);
  const cached = Number(record.cached_tokens ?? field(record.prompt_tokens_details, 'cached_tokens') ?? Number.NaN);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: Number(record.total_tokens ?? prompt + completion),
    ...(Number.isFinite(cached) ? { cached_tokens: cached } : {}),
  };
}

/** Kimi completion → gateway response: `reasoning_content` (thinking models) kept. */
export function normalizeKimiResponse(raw: Raw, response: ChatResponse): ChatResponse {
  const choices = response.choices.map((choice, position) => {
    const reasoning = field(field(rawChoices(raw)[position], 'message'), 'reasoning_content');
    if (typeof reasoning !== 'string' || reasoning === '' || choice.message.reasoning_content) return choice;
    return { ...choice, message: { ...choice.message, reasoning_content: reasoning } };
  });
  return { ...response, choices };
}

/**
 * Kimi stream chunk → gateway chunk: `reasoning_content` deltas kept, and the usage Kimi reports
 * inside the last chunk's choice (`choices[0].usage`) lifted to the chunk.
 */
export function normalizeKimiChunk(raw: Raw, chunk: ChatChunk): ChatChunk {
  let usage = chunk.usage;
  const choices = chunk.choices.map((choice, position) => {
    const rawChoice = rawChoices(raw)[position];
    usage ??= toUsage(field(rawChoice, 'usage'));
    const reasoning = field(field(rawChoice, 'delta'), 'reasoning_content');
    if (typeof reasoning !== 'string' || reasoning === '' || choice.delta.reasoning_content) return choice;
    return { ...choice, delta: { ...choice.delta, reasoning_content: reasoning } };
  });
  return { ...chunk, choices, ...(usage ? { usage } : {}) };
}
