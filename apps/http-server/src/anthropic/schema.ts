import { z } from 'zod';
import { CHAT_LIMITS } from '../chat-schema.js';

/**
 * The body of `POST /v1/messages` (and `/v1/messages/count_tokens`): Anthropic's Messages API
 * fields, with the chat route's caps (`CHAT_LIMITS`). Unknown top-level fields are dropped;
 * an unknown content block type is refused, naming the block.
 */

const tokenCount = z.number().int().positive().max(CHAT_LIMITS.maxTokens);
/** `cache_control` is accepted on every block and tool; the chat path has no place for it. */
const cacheControl = z.looseObject({ type: z.string() }).nullable().optional();

/**
 * A string or an array of blocks, read as an array (a string is one text block), so that a bad
 * block is named by its own path (`messages[0].content[1].type`), not by the union around it.
 */
const blocksOrText = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? [{ type: 'text', text: value }] : value),
    z.array(item).max(CHAT_LIMITS.contentParts),
  );

const textBlock = z.object({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControl,
  citations: z.unknown().optional(),
});
const imageSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('base64'), media_type: z.string().min(1).max(100), data: z.string().min(1) }),
  z.object({ type: z.literal('url'), url: z.string().min(1) }),
]);
const imageBlock = z.object({ type: z.literal('image'), source: imageSource, cache_control: cacheControl });
const toolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1).max(200),
  content: blocksOrText(z.discriminatedUnion('type', [textBlock, imageBlock])).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
const thinkingBlock = z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().optional() });
const redactedThinkingBlock = z.object({ type: z.literal('redacted_thinking'), data: z.string() });

const block = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);
export type AnthropicBlock = z.infer<typeof block>;

const message = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: blocksOrText(block),
});
export type AnthropicMessage = z.infer<typeof message>;

/** A client tool; server tools (`web_search_20250305`, `bash_20250124`, ...) carry a dated `type`. */
const clientTool = z.object({
  type: z.literal('custom').optional(),
  name: z.string().min(1).max(200),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});
const serverTool = z.looseObject({
  type: z.string().regex(/_\d{8}$/, 'a server tool type ends in its date'),
  name: z.string().min(1).max(200),
});

const toolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
]);

const thinking = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: tokenCount, display: z.string().nullable().optional() }),
  z.object({ type: z.literal('disabled') }),
  z.object({ type: z.literal('adaptive'), display: z.string().nullable().optional() }),
]);

const countFields = {
  model: z.string().min(1).max(200),
  system: blocksOrText(textBlock).optional(),
  messages: z.array(message).min(1).max(CHAT_LIMITS.messages),
  tools: z
    .array(z.union([clientTool, serverTool]))
    .max(CHAT_LIMITS.tools)
    .optional(),
  tool_choice: toolChoice.optional(),
  thinking: thinking.optional(),
};

export const messagesBodySchema = z.object({
  ...countFields,
  max_tokens: tokenCount,
  stop_sequences: z.array(z.string()).max(CHAT_LIMITS.stop).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stream: z.boolean().optional(),
  metadata: z.object({ user_id: z.string().max(256).nullable().optional() }).optional(),
  service_tier: z.string().optional(),
});
export type MessagesBody = z.infer<typeof messagesBodySchema>;

export const countTokensBodySchema = z.object(countFields);
export type CountTokensBody = z.infer<typeof countTokensBodySchema>;
