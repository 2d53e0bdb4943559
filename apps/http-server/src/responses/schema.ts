import { BadRequestError } from '@exai/core';
import { z } from 'zod';
import { CHAT_LIMITS, paramName } from '../chat-schema.js';

/**
 * The body of `POST /v1/responses` (OpenAI's Responses API). Top-level fields are checked here;
 * each `input` item is checked by its own schema (`inputItemSchemas`) so an unknown item type is a
 * 400 naming `input[i].type`. The caps are the chat route's (`CHAT_LIMITS`).
 */

const tokenCount = z.number().int().positive().max(CHAT_LIMITS.maxTokens);
const text = z.string();

const functionTool = z.object({
  type: z.literal('function'),
  name: z.string().min(1).max(256),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});
/** Any other tool: refused by name in the mapper (built-in tools the gateway cannot serve). */
const otherTool = z.looseObject({
  type: z
    .string()
    .min(1)
    .max(100)
    .refine((type) => type !== 'function', 'a function tool needs a non-empty name'),
});

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }),
  z.looseObject({ type: z.string().min(1).max(100) }),
]);

const textFormat = z.union([
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1).max(64),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: z.boolean().nullable().optional(),
  }),
]);

export const responsesBodySchema = z.looseObject({
  model: z.string().min(1),
  input: z
    .union([text, z.array(z.looseObject({ type: z.string().max(100).optional() })).max(CHAT_LIMITS.messages)])
    .optional(),
  instructions: z.string().nullable().optional(),
  tools: z
    .array(z.union([functionTool, otherTool]))
    .max(CHAT_LIMITS.tools)
    .optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_output_tokens: tokenCount.nullable().optional(),
  text: z
    .looseObject({ format: textFormat.optional(), verbosity: z.enum(['low', 'medium', 'high']).nullable().optional() })
    .nullable()
    .optional(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullable().optional(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullable().optional(),
      generate_summary: z.enum(['auto', 'concise', 'detailed']).nullable().optional(),
    })
    .nullable()
    .optional(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
  user: z.string().max(512).optional(),
  stream: z.boolean().nullable().optional(),
  store: z.boolean().nullable().optional(),
  background: z.boolean().nullable().optional(),
  previous_response_id: z.string().min(1).max(200).nullable().optional(),
  /** Gateway extension, as on chat completions: an ordered fallback list. */
  models: z.array(z.string().min(1)).max(CHAT_LIMITS.models).optional(),
});

export type ResponsesBody = z.infer<typeof responsesBodySchema>;

/**
 * Fields that are hints only: accepted, not acted on, and listed in the answer's `exai.ignored`.
 * (`store` and `background` are handled by the route, not here.)
 */
export const HINT_FIELDS = [
  'include',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'service_tier',
  'stream_options',
  'top_logprobs',
  'truncation',
  'client_metadata',
] as const;

/** Fields that would change what the answer means; the gateway cannot honour them, so they are refused by name. */
export const REFUSED_FIELDS = ['conversation', 'prompt', 'max_tool_calls', 'context_management'] as const;

const inputText = z.object({ type: z.literal('input_text'), text });
const outputText = z.looseObject({ type: z.literal('output_text'), text });
const refusal = z.object({ type: z.literal('refusal'), refusal: text });
const inputImage = z.object({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullable().optional(),
  file_id: z.string().nullable().optional(),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
const contentPart = z.union([inputText, outputText, refusal, inputImage]);
const content = z.union([text, z.array(contentPart).max(CHAT_LIMITS.contentParts)]);

/** One schema per input item type the gateway serves. A `message` may omit `type` (OpenAI's "easy" message). */
export const inputItemSchemas = {
  message: z.looseObject({
    type: z.literal('message').optional(),
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content,
    id: z.string().optional(),
    status: z.string().optional(),
  }),
  function_call: z.looseObject({
    type: z.literal('function_call'),
    call_id: z.string().min(1).max(200),
    name: z.string().min(1).max(256),
    arguments: z.string(),
    id: z.string().optional(),
  }),
  function_call_output: z.looseObject({
    type: z.literal('function_call_output'),
    call_id: z.string().min(1).max(200),
    output: z.union([text, z.array(z.union([inputText, inputImage])).max(CHAT_LIMITS.contentParts)]),
    id: z.string().nullable().optional(),
  }),
  reasoning: z.looseObject({
    type: z.literal('reasoning'),
    id: z.string().optional(),
    summary: z
      .array(z.object({ type: z.literal('summary_text'), text }))
      .max(CHAT_LIMITS.contentParts)
      .optional(),
    content: z
      .array(z.object({ type: z.literal('reasoning_text'), text }))
      .max(CHAT_LIMITS.contentParts)
      .nullable()
      .optional(),
    encrypted_content: z.string().nullable().optional(),
  }),
} as const;

export type InputItemType = keyof typeof inputItemSchemas;
export type InputItem = { [K in InputItemType]: z.infer<(typeof inputItemSchemas)[K]> }[InputItemType];
export type MessageItem = z.infer<typeof inputItemSchemas.message>;
export type FunctionCallItem = z.infer<typeof inputItemSchemas.function_call>;
export type FunctionCallOutputItem = z.infer<typeof inputItemSchemas.function_call_output>;
export type ReasoningItem = z.infer<typeof inputItemSchemas.reasoning>;

const isItemType = (type: string): type is InputItemType => Object.hasOwn(inputItemSchemas, type);

/** Checks one `input` item against its type's schema; a 400 naming `input[i]...` otherwise. */
export function parseInputItem(item: { type?: string | undefined }, index: number): InputItem {
  const type = item.type ?? 'message';
  if (!isItemType(type)) {
    throw new BadRequestError({
      message:
        `Input item type '${type.slice(0, 100)}' is not supported by the gateway (supported: ` +
        `${Object.keys(inputItemSchemas).join(', ')})`,
      param: `input[${index}].type`,
    });
  }
  const parsed = inputItemSchemas[type].safeParse(item);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = `input[${index}]${issue && issue.path.length > 0 ? `.${paramName(issue.path)}` : ''}`;
    throw new BadRequestError({ message: `Invalid input item: '${param}': ${issue?.message ?? 'invalid'}`, param });
  }
  return parsed.data as InputItem;
}
