import type {
  ChatChunk,
  ChatChunkDelta,
  ChatMessage,
  ChatResponse,
  ProviderId,
  ToolCall,
  ToolCallDelta,
  Usage,
} from '@exai/core';
import {
  type RawChunk,
  type RawCompletion,
  type RawMessage,
  type RawToolCall,
  type RawUsage,
  usageSchema,
} from './schemas.js';

/** Parsed OpenAI usage (with `*_details`) to the gateway's flat usage. */
function toUsage(usage: RawUsage): Usage {
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  const result: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.total_tokens ?? prompt + completion,
  };
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? usage.reasoning_tokens;
  if (reasoning !== undefined) result.reasoning_tokens = reasoning;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.cached_tokens ?? usage.prompt_cache_hit_tokens;
  if (cached !== undefined) result.cached_tokens = cached;
  return result;
}

/** OpenAI usage (with `*_details`) to the gateway's flat usage; anything but an object is no usage. */
export function normalizeUsage(raw: unknown): Usage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const parsed = usageSchema.safeParse(raw);
  return parsed.success ? toUsage(parsed.data) : undefined;
}

/** Reasoning text under any of the names compatible servers use (`reasoning_content`, vLLM/OpenRouter `reasoning`). */
const reasoningOf = (message: RawMessage): string | undefined => message.reasoning_content ?? message.reasoning;

const toolCallType = (value: string | undefined): ToolCall['type'] =>
  value === 'builtin_function' ? 'builtin_function' : 'function';

function normalizeToolCalls(raw: readonly RawToolCall[] | null | undefined): ToolCall[] | undefined {
  if (!raw || raw.length === 0) return undefined;
  return raw.map((call, index) => ({
    id: call.id ?? `call_${index}`,
    type: toolCallType(call.type),
    function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' },
  }));
}

function normalizeMessage(message: RawMessage = {}): ChatMessage {
  const result: ChatMessage = {
    role: 'assistant',
    content: (message.content as ChatMessage['content'] | undefined) ?? null,
  };
  const reasoning = reasoningOf(message);
  if (reasoning) result.reasoning_content = reasoning;
  const toolCalls = normalizeToolCalls(message.tool_calls);
  if (toolCalls) result.tool_calls = toolCalls;
  return result;
}

/** `{ stop_sequence }` when the provider named the stop sequence that ended the answer, else nothing. */
function stopSequence(choice: { stop_reason?: string | number | null; matched_stop?: string | number | null }) {
  const matched = typeof choice.stop_reason === 'string' ? choice.stop_reason : choice.matched_stop;
  return typeof matched === 'string' && matched !== '' ? { stop_sequence: matched } : {};
}

type RawChoice = NonNullable<RawCompletion['choices'] | RawChunk['choices']>[number];

/**
 * What a completion and a chunk share: when, which model answered (else the one asked for), which provider,
 * and per choice its position, finish reason and stop sequence around `body` (its message or delta).
 */
function envelope<Choice extends RawChoice, Body extends object>(
  raw: {
    created?: number | null | undefined;
    model?: string | null | undefined;
    choices?: Choice[] | null | undefined;
  },
  provider: ProviderId,
  requestedModel: string,
  body: (choice: Choice) => Body,
) {
  return {
    created: raw.created ?? Math.floor(Date.now() / 1000),
    model: raw.model || requestedModel,
    provider,
    choices: (raw.choices ?? []).map((choice, position) => ({
      index: choice.index ?? position,
      ...body(choice),
      finish_reason: choice.finish_reason ?? null,
      ...stopSequence(choice),
    })),
  };
}

/** A parsed chat completion to the gateway's ChatResponse (`provider` and answering `model` stamped). */
export function normalizeCompletion(raw: RawCompletion, provider: ProviderId, requestedModel: string): ChatResponse {
  const response: ChatResponse = {
    id: raw.id ?? `chatcmpl-${Date.now()}`,
    object: 'chat.completion',
    ...envelope(raw, provider, requestedModel, (choice) => ({ message: normalizeMessage(choice.message) })),
  };
  if (raw.usage) response.usage = toUsage(raw.usage);
  return response;
}

function normalizeToolCallDeltas(raw: readonly RawToolCall[] | null | undefined): ToolCallDelta[] | undefined {
  if (!raw || raw.length === 0) return undefined;
  return raw.map((call, position) => {
    const delta: ToolCallDelta = { index: call.index ?? position };
    if (call.id) delta.id = call.id;
    if (call.type !== undefined) delta.type = toolCallType(call.type);
    if (call.function) {
      delta.function = {};
      if (call.function.name !== undefined) delta.function.name = call.function.name;
      if (call.function.arguments !== undefined) delta.function.arguments = call.function.arguments;
    }
    return delta;
  });
}

function normalizeDelta(delta: RawMessage = {}): ChatChunkDelta {
  const result: ChatChunkDelta = {};
  if (delta.role === 'assistant') result.role = 'assistant';
  if (typeof delta.content === 'string' && delta.content) result.content = delta.content;
  const reasoning = reasoningOf(delta);
  if (reasoning) result.reasoning_content = reasoning;
  const toolCalls = normalizeToolCallDeltas(delta.tool_calls);
  if (toolCalls) result.tool_calls = toolCalls;
  return result;
}

/** One parsed SSE chunk to a gateway ChatChunk. */
export function normalizeChunk(raw: RawChunk, provider: ProviderId, requestedModel: string): ChatChunk {
  const chunk: ChatChunk = {
    id: raw.id ?? '',
    object: 'chat.completion.chunk',
    ...envelope(raw, provider, requestedModel, (choice) => ({ delta: normalizeDelta(choice.delta) })),
  };
  if (raw.usage) chunk.usage = toUsage(raw.usage);
  return chunk;
}
