import { BadRequestError, type ChatRequest } from '@exai/core';
import { z } from 'zod';

/**
 * The body of `POST /v1/chat/completions`: OpenAI's fields plus the gateway's extensions
 * (`models`, `continuation_id`, `provider_options`, `thinking`, `remember`, `exai`). Unknown fields are dropped.
 * The request itself is declared once, `ChatRequest` in @exai/core; this schema adds the limits and the
 * wire's leniencies (`developer` role, absent `content`, `stream_options: null`), and `parseChatBody`
 * maps its output to a `ChatRequest` without a cast (chat-schema.test.ts holds the two in step).
 */

/**
 * Caps on one chat request (HTTP and WebSocket), each refused with a 400 naming the field. They
 * bound the work a single body can ask of the gateway; the body size itself is `EXAI_MAX_BODY_BYTES`.
 */
export const CHAT_LIMITS = {
  /** Messages in `messages` (OpenAI's own limit). */
  messages: 2_048,
  /** Parts in one message's `content` array. */
  contentParts: 500,
  /** Entries in `tools` (OpenAI's own limit). */
  tools: 128,
  /** `max_tokens`, `max_completion_tokens`, `thinking.budget_tokens`: above any model's output. */
  maxTokens: 1_000_000,
  /** Entries in `stop`. */
  stop: 16,
  /** Entries in `models` (the fallback list). */
  models: 16,
} as const;

const tokenCount = z.number().int().positive().max(CHAT_LIMITS.maxTokens);

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
  content: z
    .union([z.string(), z.array(z.union([textPart, imagePart])).max(CHAT_LIMITS.contentParts), z.null()])
    .optional(),
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
  messages: z.array(message).min(1).max(CHAT_LIMITS.messages),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: tokenCount.optional(),
  max_completion_tokens: tokenCount.optional(),
  stop: z.union([z.string(), z.array(z.string()).max(CHAT_LIMITS.stop)]).optional(),
  seed: z.number().int().optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  response_format: z
    .object({ type: z.enum(['text', 'json_object', 'json_schema']), json_schema: z.unknown().optional() })
    .optional(),
  tools: z
    .array(z.union([functionTool, builtinTool]))
    .max(CHAT_LIMITS.tools)
    .optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().optional(),
  thinking: z.object({ type: z.enum(['enabled', 'disabled']), budget_tokens: tokenCount.optional() }).optional(),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
  models: z.array(z.string().min(1)).max(CHAT_LIMITS.models).optional(),
  continuation_id: z.string().min(1).optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
  /** Gateway extension: store this exchange in a new thread and return its `continuation_id`. */
  remember: z.boolean().optional(),
  /**
   * Gateway extension: per-request options (`resume: false`: a broken stream ends with the in-band error, not
   * continued).
   */
  exai: z.object({ resume: z.boolean().optional() }).optional(),
});

export type ChatBody = z.infer<typeof chatBodySchema>;

/** `messages.0.role` → `messages[0].role`, the way OpenAI names a parameter. */
export function paramName(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/**
 * Deepest nesting a body may have: deeper values overflow the stack of the recursive code downstream (serialisers,
 * adapters).
 */
export const MAX_BODY_DEPTH = 64;

/** An own property's value; `__proto__` (an own key after `JSON.parse`) read as data, not through the accessor. */
const own = (object: Record<string, unknown>, key: string): unknown =>
  key === '__proto__' ? Object.getOwnPropertyDescriptor(object, key)?.value : object[key];

/** True when a (non-array) object holds an object or array; no allocation. */
function holdsContainer(value: object): boolean {
  for (const key in value) {
    const item = own(value as Record<string, unknown>, key);
    if (item !== null && typeof item === 'object') return true;
  }
  return false;
}

/**
 * The path of the first value nested deeper than `limit`, or undefined. Iterative (a body of any
 * depth is safe to check) and O(n): the stack holds one frame per level (at most `limit`), and only
 * an object that holds other objects gets a frame (and its key list); leaves allocate nothing.
 */
export function findTooDeep(value: unknown, limit = MAX_BODY_DEPTH): PropertyKey[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const containers: object[] = [value];
  const keyLists: Array<string[] | undefined> = [Array.isArray(value) ? undefined : Object.keys(value)];
  const positions: number[] = [0];
  while (containers.length > 0) {
    const top = containers.length - 1;
    const container = containers[top] as Record<string, unknown> | unknown[];
    const keys = keyLists[top];
    const position = positions[top] as number;
    const size = keys ? keys.length : (container as unknown[]).length;
    if (position >= size) {
      containers.pop();
      keyLists.pop();
      positions.pop();
      continue;
    }
    positions[top] = position + 1;
    const child = keys
      ? own(container as Record<string, unknown>, keys[position] as string)
      : (container as unknown[])[position];
    if (child === null || typeof child !== 'object') continue;
    // An object of leaves sits at an allowed depth (checked below) and holds nothing deeper: no frame, no key list.
    if (containers.length < limit && !Array.isArray(child) && !holdsContainer(child)) continue;
    if (containers.length >= limit) {
      // Only on the way out: the path of the frames on the stack, then the child's key.
      const path: PropertyKey[] = [];
      for (let level = 1; level <= top; level += 1) {
        const at = (positions[level - 1] as number) - 1;
        const parentKeys = keyLists[level - 1];
        path.push(parentKeys ? (parentKeys[at] as string) : at);
      }
      path.push(keys ? (keys[position] as string) : position);
      return path;
    }
    containers.push(child);
    keyLists.push(Array.isArray(child) ? undefined : Object.keys(child));
    positions.push(0);
  }
  return undefined;
}

/**
 * Validates a JSON body against a schema after the depth cap; throws `BadRequestError` naming the
 * first bad field (`param`) and listing up to five. Shared by every JSON route (chat, responses).
 */
export function validateBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError({ message: 'The request body must be a JSON object' });
  }
  const deep = findTooDeep(body);
  if (deep) {
    const param = paramName(deep.slice(0, 6));
    throw new BadRequestError({
      message: `Invalid request body: '${param}' is nested deeper than ${MAX_BODY_DEPTH} levels`,
      param,
    });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `'${paramName(issue.path) || '(body)'}': ${issue.message}`);
    const first = parsed.error.issues[0];
    throw new BadRequestError({
      message: `Invalid request body: ${issues.join('; ')}`,
      ...(first && first.path.length > 0 ? { param: paramName(first.path) } : {}),
    });
  }
  return parsed.data;
}

type FastCheck = (value: unknown) => boolean;
const inRange =
  (min: number, max: number): FastCheck =>
  (value) =>
    typeof value === 'number' && value >= min && value <= max;
const isTokenCount: FastCheck = (value) =>
  Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= CHAT_LIMITS.maxTokens;
const isString: FastCheck = (value) => typeof value === 'string';
const isBoolean: FastCheck = (value) => typeof value === 'boolean';
const isStreamOptions: FastCheck = (value) =>
  value === null ||
  (typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).every((key) => key === 'include_usage' && isBoolean((value as Record<string, unknown>)[key])));

/**
 * The common shape of a chat body, checked by hand, in the schema's key order (zod's output order):
 * scalar fields and `messages` of plain text. `messages` and `stream_options` are handled on their own.
 */
const FAST_FIELDS = new Map<string, FastCheck>([
  ['model', (value) => typeof value === 'string' && value.length > 0],
  ['temperature', inRange(0, 2)],
  ['top_p', inRange(0, 1)],
  ['max_tokens', isTokenCount],
  ['max_completion_tokens', isTokenCount],
  [
    'stop',
    (value) => isString(value) || (Array.isArray(value) && value.length <= CHAT_LIMITS.stop && value.every(isString)),
  ],
  ['seed', (value) => Number.isSafeInteger(value)],
  ['frequency_penalty', inRange(-2, 2)],
  ['presence_penalty', inRange(-2, 2)],
  ['parallel_tool_calls', isBoolean],
  ['stream', isBoolean],
  ['user', isString],
  ['remember', isBoolean],
]);
const FAST_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const FAST_MESSAGE_KEYS = new Set(['role', 'content', 'name']);

function fastMessage(value: unknown): ChatRequest['messages'][number] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entry = value as Record<string, unknown>;
  for (const key in entry) if (!FAST_MESSAGE_KEYS.has(key)) return undefined;
  const { role, content, name } = entry;
  if (typeof role !== 'string' || !FAST_ROLES.has(role)) return undefined;
  if (content !== undefined && content !== null && typeof content !== 'string') return undefined;
  if (name !== undefined && typeof name !== 'string') return undefined;
  // The key order zod's output and parseChatBody's mapping give: role, content, name (an absent content last).
  const message: Record<string, unknown> = { role: role === 'developer' ? 'system' : role };
  if ('content' in entry) message.content = content;
  if (name !== undefined) message.name = name;
  if (content === undefined) message.content = null;
  return message as unknown as ChatRequest['messages'][number];
}

/**
 * The common chat body (scalars and text messages) validated without zod, with the same result as
 * `chatBodySchema` plus the mapping of `parseChatBody`; undefined for anything else (zod then decides,
 * and words the error). Such a body is three levels deep, well inside the depth cap.
 */
export function fastChatBody(body: unknown): { request: ChatRequest; remember: boolean } | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const input = body as Record<string, unknown>;
  for (const key in input) {
    if (key === 'messages' || key === 'stream_options') continue;
    const check = FAST_FIELDS.get(key);
    if (check === undefined || !check(input[key])) return undefined;
  }
  const { messages, stream_options } = input;
  if (typeof input.model !== 'string') return undefined;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > CHAT_LIMITS.messages) return undefined;
  if (stream_options !== undefined && !isStreamOptions(stream_options)) return undefined;
  const mapped: ChatRequest['messages'] = [];
  for (const entry of messages) {
    const message = fastMessage(entry);
    if (message === undefined) return undefined;
    mapped.push(message);
  }
  const request: Record<string, unknown> = {};
  for (const key of FAST_FIELDS.keys()) if (key !== 'remember' && input[key] !== undefined) request[key] = input[key];
  request.messages = mapped;
  if (stream_options) {
    const include = (stream_options as { include_usage?: boolean }).include_usage;
    request.stream_options = include === undefined ? {} : { include_usage: include };
  }
  return { request: request as unknown as ChatRequest, remember: input.remember === true };
}

/**
 * Validates a chat body; throws `BadRequestError` naming the first bad field (`param`) and listing all.
 * The common shape takes `fastChatBody` (no zod); every other body, and every invalid one, goes through zod.
 */
export function parseChatBody(body: unknown): { request: ChatRequest; remember: boolean } {
  return fastChatBody(body) ?? parseChatBodyWithSchema(body);
}

/** `parseChatBody` through zod alone (the reference `fastChatBody` must agree with; chat-schema.test.ts). */
export function parseChatBodyWithSchema(body: unknown): { request: ChatRequest; remember: boolean } {
  const data = validateBody(chatBodySchema, body);
  const { remember, messages, stream_options, ...rest } = data;
  // No cast: the schema's output is a ChatRequest (chat-schema.test.ts checks both directions).
  const request: ChatRequest = {
    ...rest,
    messages: messages.map((entry) => ({
      ...entry,
      role: entry.role === 'developer' ? 'system' : entry.role,
      content: entry.content ?? null,
    })),
    ...(stream_options ? { stream_options } : {}),
  };
  return { request, remember: remember === true };
}
