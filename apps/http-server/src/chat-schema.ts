import { BadRequestError, type ChatRequest } from '@exai/core';
import { z } from 'zod';

/**
 * The body of `POST /v1/chat/completions`: OpenAI's fields plus the gateway's extensions
 * (`models`, `continuation_id`, `provider_options`, `thinking`, `remember`). Unknown fields are dropped.
 */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const toolCall = z.object({
  id: z.string(),
  type: z.enum(['function', 'builtin_function']),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.union([textPart, imagePart])), z.null()]).optional(),
  name: z.string().optional(),
  reasoning_content: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
  partial: z.boolean().optional(),
});
const functionTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
const builtinTool = z.looseObject({ type: z.enum(['web_search', 'builtin_function', 'retrieval']) });
const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);

export const chatBodySchema = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  seed: z.number().int().optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  response_format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']), json_schema: z.unknown().optional() }).optional(),
  tools: z.array(z.union([functionTool, builtinTool])).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().optional(),
  thinking: z.object({ type: z.enum(['enabled', 'disabled']), budget_tokens: z.number().int().positive().optional() }).optional(),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
  models: z.array(z.string().min(1)).optional(),
  continuation_id: z.string().min(1).optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
  /** Gateway extension: store this exchange in a new thread and return its `continuation_id`. */
  remember: z.boolean().optional(),
});

export type ChatBody = z.infer<typeof chatBodySchema>;

/** `messages.0.role` → `messages[0].role`, the way OpenAI names a parameter. */
function paramName(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

/** Deepest nesting a body may have: deeper values overflow the stack of the recursive code downstream (serialisers, adapters). */
export const MAX_BODY_DEPTH = 64;

/** The path of the first value nested deeper than `limit`; iterative, so a body of any depth is safe to check. */
export function findTooDeep(value: unknown, limit = MAX_BODY_DEPTH): PropertyKey[] | undefined {
  const pending: Array<{ value: unknown; path: PropertyKey[] }> = [{ value, path: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.path.length >= limit) return next.path;
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(next.value) ? next.value.map((item, index) => [index, item]) : Object.entries(next.value);
    for (const [key, item] of entries) pending.push({ value: item, path: [...next.path, key] });
  }
  return undefined;
}

/** Validates a chat body; throws `BadRequestError` naming the first bad field (`param`) and listing all. */
export function parseChatBody(body: unknown): { request: ChatRequest; remember: boolean } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError({ message: 'The request body must be a JSON object' });
  }
  const deep = findTooDeep(body);
  if (deep) {
    const param = paramName(deep.slice(0, 6));
    throw new BadRequestError({ message: `Invalid request body: '${param}' is nested deeper than ${MAX_BODY_DEPTH} levels`, param });
  }
  const parsed = chatBodySchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => `'${paramName(issue.path) || '(body)'}': ${issue.message}`);
    const first = parsed.error.issues[0];
    throw new BadRequestError({ message: `Invalid request body: ${issues.join('; ')}`, ...(first && first.path.length > 0 ? { param: paramName(first.path) } : {}) });
  }
  const { remember, messages, ...rest } = parsed.data;
  const request = {
    ...rest,
    messages: messages.map((entry) => ({ ...entry, role: entry.role === 'developer' ? 'system' : entry.role, content: entry.content ?? null })),
    ...(rest.stream_options ? { stream_options: rest.stream_options } : {}),
  } as ChatRequest;
  if (request.stream_options === null) delete request.stream_options;
  return { request, remember: remember === true };
}
