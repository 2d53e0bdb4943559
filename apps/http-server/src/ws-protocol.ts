import { z } from 'zod';

/**
 * The `/v1/ws` protocol: one JSON object per text frame, discriminated by `type`.
 * docs/websocket-protocol.md documents every frame below 1:1; src/ws-protocol.test.ts holds
 * the doc and these schemas together (every example in the doc parses, every type is documented).
 */

const requestId = z.string().min(1).max(200);

const hello = z.object({ type: z.literal('hello'), api_key: z.string().min(1).optional() });
const listTools = z.object({ type: z.literal('list_tools'), request_id: requestId.optional() });
const callTool = z.object({
  type: z.literal('call_tool'),
  request_id: requestId,
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
});
const chatMessage = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']),
  content: z.unknown(),
});
const chat = z.object({
  type: z.literal('chat'),
  request_id: requestId,
  /** An OpenAI chat request (`model`, `messages`, ...); always streamed over the socket. */
  request: z.looseObject({ model: z.string().min(1), messages: z.array(chatMessage).min(1) }),
});
const cancel = z.object({ type: z.literal('cancel'), request_id: requestId });
const ping = z.object({ type: z.literal('ping'), data: z.string().max(1_000).optional() });

/** The `type` of every frame of a union, in the order the union lists them. */
function frameTypes<T extends string>(union: { options: readonly { shape: { type: z.ZodLiteral<T> } }[] }): T[] {
  return union.options.map((frame) => frame.shape.type.value);
}

/** Frames a client sends. */
export const clientFrameSchema = z.discriminatedUnion('type', [hello, listTools, callTool, chat, cancel, ping]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type ClientFrameType = ClientFrame['type'];
export const clientFrameTypes = frameTypes(clientFrameSchema);

const errorBody = z.object({
  message: z.string(),
  type: z.string(),
  code: z.string().nullable(),
  param: z.string().nullable(),
});
export type WsErrorBody = z.infer<typeof errorBody>;

const welcome = z.object({
  type: z.literal('welcome'),
  key_id: z.string(),
  simulated: z.boolean(),
  limits: z.object({
    max_frame_bytes: z.number().int(),
    max_concurrent_calls: z.number().int(),
    idle_timeout_ms: z.number().int(),
    heartbeat_ms: z.number().int(),
  }),
});
const toolInfo = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string(),
  input_schema: z.record(z.string(), z.unknown()),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
const tools = z.object({ type: z.literal('tools'), request_id: requestId.optional(), tools: z.array(toolInfo) });
const progress = z.object({
  type: z.literal('progress'),
  request_id: requestId,
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().optional(),
});
const chunk = z.object({
  type: z.literal('chunk'),
  request_id: requestId,
  /** Text added to the answer (may be empty when only `reasoning` or `chunk` carries news). */
  delta: z.string(),
  reasoning: z.string().optional(),
  /** The raw OpenAI `chat.completion.chunk`, for `chat` requests. */
  chunk: z.record(z.string(), z.unknown()).optional(),
});
const result = z.object({
  type: z.literal('result'),
  request_id: requestId,
  content: z.string(),
  structured: z.unknown().optional(),
  is_error: z.boolean(),
  /**
   * Provider, model, attempts...; for a `chat` whose stream broke and was continued by another target,
   * `resumed: [{provider, model, at_char}]` (who continued, from which content character).
   */
  meta: z.record(z.string(), z.unknown()).optional(),
});
const error = z.object({ type: z.literal('error'), request_id: requestId.optional(), error: errorBody });
const pong = z.object({ type: z.literal('pong'), data: z.string().optional() });

/** Frames the server sends. */
export const serverFrameSchema = z.discriminatedUnion('type', [welcome, tools, progress, chunk, result, error, pong]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
export type ServerFrameType = ServerFrame['type'];
export const serverFrameTypes = frameTypes(serverFrameSchema);

/** Close codes the server uses (4xxx are this protocol's own). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policy: 1008,
  tooBig: 1009,
  unauthenticated: 4401,
  idle: 4408,
} as const;

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; requestId?: string; error: WsErrorBody };

function badRequest(message: string, param: string | null = null): WsErrorBody {
  return { message, type: 'invalid_request_error', code: 'bad_request', param };
}

/** Parses one text frame; every failure names what is wrong and, when it can, the request it belongs to. */
export function parseClientFrame(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { ok: false, error: badRequest(`frame is not valid JSON (${(cause as Error).message})`) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: badRequest('frame must be a JSON object with a "type" field') };
  }
  const record = value as Record<string, unknown>;
  const id = typeof record.request_id === 'string' && record.request_id.length > 0 ? record.request_id : undefined;
  const withId = (error: WsErrorBody): ParseResult =>
    id === undefined ? { ok: false, error } : { ok: false, requestId: id, error };
  if (typeof record.type !== 'string' || !(clientFrameTypes as readonly string[]).includes(record.type)) {
    const got = typeof record.type === 'string' ? `"${record.type}"` : 'none';
    return withId(badRequest(`unknown frame type ${got}; expected one of ${clientFrameTypes.join(', ')}`, 'type'));
  }
  const parsed = clientFrameSchema.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') || 'frame';
  return withId(badRequest(`invalid ${record.type} frame: ${path}: ${issue?.message ?? 'invalid'}`, path));
}

/** Serialises a server frame (the type keeps the server to the documented shapes). */
export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
