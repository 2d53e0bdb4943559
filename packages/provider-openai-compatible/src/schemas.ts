/**
 * The provider's wire shapes as loose zod schemas (in the style of vercel/ai's openai-compatible chat
 * model): every object is a `looseObject`, so fields the gateway does not know survive for the
 * provider hooks, and a known field of an unexpected type is dropped (`.catch`) rather than failing the
 * whole body. A response body or stream chunk is parsed once, in the base; the hooks get the parsed data.
 */
import { z } from 'zod';

const optionalString = z.string().optional().catch(undefined);
const optionalNumber = z.number().optional().catch(undefined);

/** OpenAI usage, with the `*_details` objects and the flat names some servers use instead. */
export const usageSchema = z.looseObject({
  prompt_tokens: optionalNumber,
  completion_tokens: optionalNumber,
  total_tokens: optionalNumber,
  prompt_tokens_details: z.looseObject({ cached_tokens: optionalNumber }).nullish().catch(undefined),
  completion_tokens_details: z.looseObject({ reasoning_tokens: optionalNumber }).nullish().catch(undefined),
  reasoning_tokens: optionalNumber,
  cached_tokens: optionalNumber,
  prompt_cache_hit_tokens: optionalNumber,
});

/** A tool call of a message, or a tool-call delta of a chunk (`index` set, the rest partial). */
export const toolCallSchema = z.looseObject({
  index: optionalNumber,
  id: optionalString,
  type: optionalString,
  function: z.looseObject({ name: optionalString, arguments: optionalString }).optional().catch(undefined),
});

/** An assistant message or a chunk delta; reasoning under `reasoning_content` or vLLM/OpenRouter `reasoning`. */
export const messageSchema = z.looseObject({
  role: optionalString,
  content: z
    .union([z.string(), z.array(z.unknown())])
    .nullish()
    .catch(undefined),
  reasoning_content: optionalString,
  reasoning: optionalString,
  tool_calls: z.array(toolCallSchema.catch({})).nullish().catch(undefined),
});

const usage = usageSchema.nullish().catch(undefined);
const message = messageSchema.optional().catch(undefined);
const finishReason = z.string().nullish().catch(undefined);
/**
 * Which stop sequence ended the answer: vLLM's `stop_reason` (a string, or a token id we ignore) or SGLang's
 * `matched_stop`. OpenAI itself does not say.
 */
const matchedStop = {
  stop_reason: z.union([z.string(), z.number()]).nullish().catch(undefined),
  matched_stop: z.union([z.string(), z.number()]).nullish().catch(undefined),
};

/** A chat completion (`POST /chat/completions` without `stream`). No `choices` means a failure in a 200 body. */
export const completionSchema = z.looseObject({
  id: optionalString,
  created: optionalNumber,
  model: optionalString,
  choices: z
    .array(z.looseObject({ index: optionalNumber, message, finish_reason: finishReason, ...matchedStop }).catch({}))
    .nullish()
    .catch(undefined),
  usage,
});

/** One SSE `data:` object of a chat stream; an `error` without `choices` is a failure in the stream. */
export const chunkSchema = z.looseObject({
  id: optionalString,
  created: optionalNumber,
  model: optionalString,
  choices: z
    .array(
      z.looseObject({ index: optionalNumber, delta: message, finish_reason: finishReason, ...matchedStop }).catch({}),
    )
    .nullish()
    .catch(undefined),
  usage,
  error: z.unknown().optional(),
});

export type RawUsage = z.infer<typeof usageSchema>;
export type RawToolCall = z.infer<typeof toolCallSchema>;
export type RawMessage = z.infer<typeof messageSchema>;
/** A parsed chat completion (OpenAI shape plus whatever the provider adds). */
export type RawCompletion = z.infer<typeof completionSchema>;
/** One parsed SSE `data:` object as the provider sent it. */
export type RawChunk = z.infer<typeof chunkSchema>;

/*
 * The fast path of a stream chunk. Every `data:` object of a stream is checked against `chunkSchema`;
 * zod costs several microseconds per chunk, most of a relay's work. A chunk whose every known field
 * already has the schema's type (the normal case) would come out of zod as it went in, so it is used as
 * it is; anything else (a wrong type to drop, a malformed tool call) goes through zod.
 */
type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isOptional = (value: unknown, type: 'string' | 'number') => value === undefined || typeof value === type;
const isNullish = (value: unknown, type: 'string' | 'number') => value == null || typeof value === type;
const isStopValue = (value: unknown) => value == null || typeof value === 'string' || typeof value === 'number';
const isNullishObject = (value: unknown, check: (object: Fields) => boolean) =>
  value == null || (isObject(value) && check(value));

function isPlainUsage(usage: Fields): boolean {
  return (
    isOptional(usage.prompt_tokens, 'number') &&
    isOptional(usage.completion_tokens, 'number') &&
    isOptional(usage.total_tokens, 'number') &&
    isOptional(usage.reasoning_tokens, 'number') &&
    isOptional(usage.cached_tokens, 'number') &&
    isOptional(usage.prompt_cache_hit_tokens, 'number') &&
    isNullishObject(usage.prompt_tokens_details, (details) => isOptional(details.cached_tokens, 'number')) &&
    isNullishObject(usage.completion_tokens_details, (details) => isOptional(details.reasoning_tokens, 'number'))
  );
}

function isPlainToolCall(call: unknown): boolean {
  if (!isObject(call)) return false;
  const fn = call.function;
  return (
    isOptional(call.index, 'number') &&
    isOptional(call.id, 'string') &&
    isOptional(call.type, 'string') &&
    (fn === undefined || (isObject(fn) && isOptional(fn.name, 'string') && isOptional(fn.arguments, 'string')))
  );
}

function isPlainDelta(delta: unknown): boolean {
  if (delta === undefined) return true;
  if (!isObject(delta)) return false;
  const { content, tool_calls: toolCalls } = delta;
  return (
    isOptional(delta.role, 'string') &&
    (content == null || typeof content === 'string' || Array.isArray(content)) &&
    isOptional(delta.reasoning_content, 'string') &&
    isOptional(delta.reasoning, 'string') &&
    (toolCalls == null || (Array.isArray(toolCalls) && toolCalls.every(isPlainToolCall)))
  );
}

function isPlainChoice(choice: unknown): boolean {
  return (
    isObject(choice) &&
    isOptional(choice.index, 'number') &&
    isPlainDelta(choice.delta) &&
    isNullish(choice.finish_reason, 'string') &&
    isStopValue(choice.stop_reason) &&
    isStopValue(choice.matched_stop)
  );
}

/** A parsed `data:` value as a chunk: itself when it has the schema's shape, else zod's; undefined for a non-object. */
export function parseChunk(raw: unknown): RawChunk | undefined {
  if (!isObject(raw)) return undefined;
  const { choices } = raw;
  if (
    isOptional(raw.id, 'string') &&
    isOptional(raw.created, 'number') &&
    isOptional(raw.model, 'string') &&
    (choices == null || (Array.isArray(choices) && choices.every(isPlainChoice))) &&
    isNullishObject(raw.usage, isPlainUsage)
  )
    return raw as RawChunk;
  const parsed = chunkSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
