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

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const nullish = (value: unknown): boolean => value === undefined || value === null;
const optString = (value: unknown): boolean => value === undefined || typeof value === 'string';
const optNumber = (value: unknown): boolean => value === undefined || typeof value === 'number';
const stopField = (value: unknown): boolean => nullish(value) || typeof value === 'string' || typeof value === 'number';
const numbersIn = (value: Fields, keys: readonly string[]): boolean => keys.every((key) => optNumber(value[key]));
const detailsWith = (value: unknown, key: string): boolean =>
  nullish(value) || (isObject(value) && optNumber(value[key]));

const USAGE_NUMBERS = [
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'reasoning_tokens',
  'cached_tokens',
  'prompt_cache_hit_tokens',
] as const;

const fitsUsage = (usage: unknown): boolean =>
  isObject(usage) &&
  numbersIn(usage, USAGE_NUMBERS) &&
  detailsWith(usage.prompt_tokens_details, 'cached_tokens') &&
  detailsWith(usage.completion_tokens_details, 'reasoning_tokens');

const fitsToolCall = (call: unknown): boolean =>
  isObject(call) &&
  optNumber(call.index) &&
  optString(call.id) &&
  optString(call.type) &&
  (call.function === undefined ||
    (isObject(call.function) && optString(call.function.name) && optString(call.function.arguments)));

const fitsMessage = (message: unknown): boolean =>
  isObject(message) &&
  optString(message.role) &&
  (nullish(message.content) || typeof message.content === 'string' || Array.isArray(message.content)) &&
  optString(message.reasoning_content) &&
  optString(message.reasoning) &&
  (nullish(message.tool_calls) || (Array.isArray(message.tool_calls) && message.tool_calls.every(fitsToolCall)));

/** A choice whose `message` (an answer) or `delta` (a stream chunk) fits. */
const fitsChoice =
  (field: 'message' | 'delta') =>
  (choice: unknown): boolean =>
    isObject(choice) &&
    optNumber(choice.index) &&
    (choice[field] === undefined || fitsMessage(choice[field])) &&
    (nullish(choice.finish_reason) || typeof choice.finish_reason === 'string') &&
    stopField(choice.stop_reason) &&
    stopField(choice.matched_stop);

/**
 * Whether a parsed completion already has every known field of the expected type, so `completionSchema`
 * would return it unchanged (no `.catch` would fire): the common answer is then used as parsed, without
 * zod's walk and copy. Anything else goes through the schema.
 */
export function fitsCompletion(body: unknown): body is RawCompletion {
  return fitsEnvelope(body, fitsChoice('message'));
}

function fitsEnvelope(body: unknown, choiceFits: (choice: unknown) => boolean): boolean {
  return (
    isObject(body) &&
    optString(body.id) &&
    optNumber(body.created) &&
    optString(body.model) &&
    (nullish(body.choices) || (Array.isArray(body.choices) && body.choices.every(choiceFits))) &&
    (nullish(body.usage) || fitsUsage(body.usage))
  );
}

/** A parsed completion as `completionSchema` reads it (`{}` when it is not one). */
export function readCompletion(body: unknown): RawCompletion {
  if (fitsCompletion(body)) return body;
  const parsed = completionSchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}

/**
 * A parsed SSE `data:` value as a chunk: itself when every known field already has the schema's type (the
 * normal case, which zod would return unchanged at several microseconds per chunk), else zod's reading;
 * undefined for a non-object or a chunk zod refuses.
 */
export function parseChunk(raw: unknown): RawChunk | undefined {
  if (!isObject(raw)) return undefined;
  if (fitsEnvelope(raw, fitsChoice('delta'))) return raw as RawChunk;
  const parsed = chunkSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
