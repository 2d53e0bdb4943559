import type {
  ChatChunk,
  ChatChunkDelta,
  ChatMessage,
  ChatResponse,
  FinishReason,
  ProviderId,
  ToolCall,
  ToolCallDelta,
  Usage,
} from '@exai/core';
import type { RawChunk, RawCompletion } from './types.js';

type Loose = Record<string, unknown>;

const asRecord = (value: unknown): Loose | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** OpenAI usage (with `*_details`) to the gateway's flat usage. */
export function normalizeUsage(raw: unknown): Usage | undefined {
  const usage = asRecord(raw);
  if (!usage) return undefined;
  const prompt = asNumber(usage.prompt_tokens) ?? 0;
  const completion = asNumber(usage.completion_tokens) ?? 0;
  const result: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: asNumber(usage.total_tokens) ?? prompt + completion,
  };
  const reasoning = asNumber(asRecord(usage.completion_tokens_details)?.reasoning_tokens) ?? asNumber(usage.reasoning_tokens);
  if (reasoning !== undefined) result.reasoning_tokens = reasoning;
  const cached =
    asNumber(asRecord(usage.prompt_tokens_details)?.cached_tokens) ?? asNumber(usage.cached_tokens) ?? asNumber(usage.prompt_cache_hit_tokens);
  if (cached !== undefined) result.cached_tokens = cached;
  return result;
}

/** Reasoning text under any of the names compatible servers use (`reasoning_content`, vLLM/OpenRouter `reasoning`). */
function reasoningOf(message: Loose): string | undefined {
  return asString(message.reasoning_content) ?? asString(message.reasoning);
}

function toolCallType(value: unknown): ToolCall['type'] {
  return value === 'builtin_function' ? 'builtin_function' : 'function';
}

function normalizeToolCalls(raw: unknown): ToolCall[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((item, index) => {
    const call = asRecord(item) ?? {};
    const fn = asRecord(call.function) ?? {};
    return {
      id: asString(call.id) ?? `call_${index}`,
      type: toolCallType(call.type),
      function: { name: asString(fn.name) ?? '', arguments: asString(fn.arguments) ?? '' },
    };
  });
}

function normalizeMessage(raw: unknown): ChatMessage {
  const message = asRecord(raw) ?? {};
  const content = message.content;
  const result: ChatMessage = {
    role: 'assistant',
    content: typeof content === 'string' || Array.isArray(content) ? (content as ChatMessage['content']) : null,
  };
  const reasoning = reasoningOf(message);
  if (reasoning) result.reasoning_content = reasoning;
  const toolCalls = normalizeToolCalls(message.tool_calls);
  if (toolCalls) result.tool_calls = toolCalls;
  return result;
}

const finishReasonOf = (value: unknown): FinishReason | null => asString(value) ?? null;

/** A raw chat completion to the gateway's ChatResponse (`provider` and answering `model` stamped). */
export function normalizeCompletion(raw: RawCompletion, provider: ProviderId, requestedModel: string): ChatResponse {
  const choices = Array.isArray(raw.choices) ? raw.choices : [];
  const response: ChatResponse = {
    id: asString(raw.id) ?? `chatcmpl-${Date.now()}`,
    object: 'chat.completion',
    created: asNumber(raw.created) ?? Math.floor(Date.now() / 1000),
    model: asString(raw.model) || requestedModel,
    provider,
    choices: choices.map((item, position) => {
      const choice = asRecord(item) ?? {};
      return {
        index: asNumber(choice.index) ?? position,
        message: normalizeMessage(choice.message),
        finish_reason: finishReasonOf(choice.finish_reason),
      };
    }),
  };
  const usage = normalizeUsage(raw.usage);
  if (usage) response.usage = usage;
  return response;
}

function normalizeToolCallDeltas(raw: unknown): ToolCallDelta[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((item, position) => {
    const call = asRecord(item) ?? {};
    const delta: ToolCallDelta = { index: asNumber(call.index) ?? position };
    const id = asString(call.id);
    if (id) delta.id = id;
    if (call.type !== undefined) delta.type = toolCallType(call.type);
    const fn = asRecord(call.function);
    if (fn) {
      delta.function = {};
      const name = asString(fn.name);
      if (name !== undefined) delta.function.name = name;
      const args = asString(fn.arguments);
      if (args !== undefined) delta.function.arguments = args;
    }
    return delta;
  });
}

function normalizeDelta(raw: unknown): ChatChunkDelta {
  const delta = asRecord(raw) ?? {};
  const result: ChatChunkDelta = {};
  if (delta.role === 'assistant') result.role = 'assistant';
  const content = asString(delta.content);
  if (content) result.content = content;
  const reasoning = reasoningOf(delta);
  if (reasoning) result.reasoning_content = reasoning;
  const toolCalls = normalizeToolCallDeltas(delta.tool_calls);
  if (toolCalls) result.tool_calls = toolCalls;
  return result;
}

/** One raw SSE chunk to a gateway ChatChunk. */
export function normalizeChunk(raw: RawChunk, provider: ProviderId, requestedModel: string): ChatChunk {
  const choices = Array.isArray(raw.choices) ? raw.choices : [];
  const chunk: ChatChunk = {
    id: asString(raw.id) ?? '',
    object: 'chat.completion.chunk',
    created: asNumber(raw.created) ?? Math.floor(Date.now() / 1000),
    model: asString(raw.model) || requestedModel,
    provider,
    choices: choices.map((item, position) => {
      const choice = asRecord(item) ?? {};
      return {
        index: asNumber(choice.index) ?? position,
        delta: normalizeDelta(choice.delta),
        finish_reason: finishReasonOf(choice.finish_reason),
      };
    }),
  };
  const usage = normalizeUsage(raw.usage);
  if (usage) chunk.usage = usage;
  return chunk;
}
