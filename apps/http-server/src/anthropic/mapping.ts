import { randomUUID } from 'node:crypto';
import {
  BadRequestError,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type ContentPart,
  type FinishReason,
  type ModelInfo,
  type OpenAIErrorBody,
  type Tool,
  type ToolCall,
  type ToolChoice,
  type Usage,
} from '@exai/core';
import { estimateTokens, MESSAGE_OVERHEAD_TOKENS } from '@exai/engine';
import type { AnthropicBlock, CountTokensBody, MessagesBody } from './schema.js';

/**
 * The one place where Anthropic's Messages API meets the engine's chat vocabulary:
 * request (`MessagesBody` → `ChatRequest`), answer (`ChatResponse` → message) and errors; the stream
 * (`ChatChunk`s → Anthropic's events) is mapped in `stream-events.ts` with these helpers. Pure functions; no I/O.
 * What the mapping cannot carry is listed in docs/decisions/0020-anthropic-messages-over-the-chat-path.md.
 */

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export type OutputBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicMessageOut {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: OutputBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/** One server-sent event: its `event:` name and its `data:` object. */
export interface AnthropicEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Where the request goes: the model the engine resolves and the fail-over names after it. */
export interface ModelRoute {
  model: string;
  models?: string[];
}

// ---------------------------------------------------------------- request

const param = (index: number, block?: number, field?: string) =>
  `messages[${index}]${block === undefined ? '' : `.content[${block}]`}${field ? `.${field}` : ''}`;

function refuse(message: string, at: string): never {
  throw new BadRequestError({ message: `Invalid request body: '${at}': ${message}`, param: at });
}

const textOfBlocks = (blocks: ReadonlyArray<{ text: string }>) => blocks.map((block) => block.text).join('\n\n');

function imageUrl(block: Extract<AnthropicBlock, { type: 'image' }>): ContentPart {
  const url =
    block.source.type === 'base64' ? `data:${block.source.media_type};base64,${block.source.data}` : block.source.url;
  return { type: 'image_url', image_url: { url } };
}

/** Parts as the chat path wants them: a plain string when every part is text. */
function partsContent(parts: ContentPart[]): string | ContentPart[] {
  return parts.every((part) => part.type === 'text')
    ? parts.map((part) => (part as { text: string }).text).join('\n\n')
    : parts;
}

function assistantMessage(blocks: AnthropicBlock[], index: number, toolUses: Set<string>): ChatMessage {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const [position, block] of blocks.entries()) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'thinking') reasoning.push(block.thinking);
    else if (block.type === 'tool_use') {
      toolUses.add(block.id);
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input) },
      });
    } else if (block.type !== 'redacted_thinking')
      refuse(`a '${block.type}' block is not allowed in an assistant message`, param(index, position, 'type'));
  }
  return {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '',
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('\n') } : {}),
  };
}

/** A user turn: its `tool_result` blocks become `tool` messages (first), the rest one user message. */
function userMessages(blocks: AnthropicBlock[], index: number, toolUses: Set<string>): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  const toolImages: ContentPart[] = [];
  for (const [position, block] of blocks.entries()) {
    if (block.type === 'text') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') parts.push(imageUrl(block));
    else if (block.type === 'tool_result') {
      if (!toolUses.has(block.tool_use_id)) {
        refuse(
          `tool_use_id '${block.tool_use_id.slice(0, 100)}' matches no tool_use block of an earlier assistant message`,
          param(index, position, 'tool_use_id'),
        );
      }
      const content = block.content ?? [];
      const text = content.flatMap((item) => (item.type === 'text' ? [item.text] : [])).join('\n');
      for (const item of content) if (item.type === 'image') toolImages.push(imageUrl(item));
      tools.push({ role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error ? `Error: ${text}` : text });
    } else refuse(`a '${block.type}' block is not allowed in a user message`, param(index, position, 'type'));
  }
  // Chat tool messages hold text only: a tool result's images follow as a user message.
  const rest = [
    ...(toolImages.length > 0 ? [{ type: 'text' as const, text: 'Images returned by the tool:' }, ...toolImages] : []),
    ...parts,
  ];
  return rest.length > 0 ? [...tools, { role: 'user', content: partsContent(rest) }] : tools;
}

function chatMessages(body: CountTokensBody): ChatMessage[] {
  const out: ChatMessage[] = [];
  const system = body.system ? textOfBlocks(body.system) : '';
  if (system) out.push({ role: 'system', content: system });
  const toolUses = new Set<string>();
  for (const [index, message] of body.messages.entries()) {
    const blocks = message.content;
    if (message.role === 'assistant') out.push(assistantMessage(blocks, index, toolUses));
    else if (message.role === 'user') out.push(...userMessages(blocks, index, toolUses));
    else {
      const notText = blocks.findIndex((block) => block.type !== 'text');
      if (notText !== -1) refuse('a system message holds text blocks only', param(index, notText, 'type'));
      out.push({ role: 'system', content: textOfBlocks(blocks as Array<{ text: string }>) });
    }
  }
  return out;
}

function chatTools(body: CountTokensBody): Tool[] {
  // Server tools (dated types such as `web_search_20250305`) run at Anthropic; the chat path has none to offer.
  const tools: Tool[] = [];
  for (const tool of body.tools ?? []) {
    if (tool.type !== undefined && tool.type !== 'custom') continue;
    const { name, description, input_schema } = tool as {
      name: string;
      description?: string;
      input_schema: Record<string, unknown>;
    };
    tools.push({
      type: 'function',
      function: { name, ...(description ? { description } : {}), parameters: input_schema },
    });
  }
  return tools;
}

function chatToolChoice(choice: MessagesBody['tool_choice']): ToolChoice | undefined {
  if (!choice) return undefined;
  if (choice.type === 'any') return 'required';
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.name } };
  return choice.type;
}

/** `MessagesBody` → the engine's request. Throws `BadRequestError` naming the block that cannot be mapped. */
export function toChatRequest(body: MessagesBody, route: ModelRoute): ChatRequest {
  const tools = chatTools(body);
  const toolChoice = tools.length > 0 ? chatToolChoice(body.tool_choice) : undefined;
  const parallel =
    body.tool_choice && 'disable_parallel_tool_use' in body.tool_choice
      ? body.tool_choice.disable_parallel_tool_use
      : undefined;
  const thinking = body.thinking;
  return {
    model: route.model,
    ...(route.models && route.models.length > 0 ? { models: route.models } : {}),
    messages: chatMessages(body),
    max_tokens: body.max_tokens,
    ...(body.stop_sequences && body.stop_sequences.length > 0 ? { stop: body.stop_sequences } : {}),
    ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(body.top_p !== undefined ? { top_p: body.top_p } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(tools.length > 0 && parallel === true ? { parallel_tool_calls: false } : {}),
    ...(body.stream ? { stream: true } : {}),
    ...(body.metadata?.user_id ? { user: body.metadata.user_id } : {}),
    ...(thinking
      ? {
          thinking:
            thinking.type === 'disabled'
              ? { type: 'disabled' }
              : { type: 'enabled', ...(thinking.type === 'enabled' ? { budget_tokens: thinking.budget_tokens } : {}) },
        }
      : {}),
  };
}

/** Images cost what Anthropic charges for a large one (~1.15 megapixels / 750), not their base64 length. */
const IMAGE_TOKENS = 1_600;

/** The gateway's estimate of a request's input tokens (`/v1/messages/count_tokens`): four characters a token. */
export function estimateInputTokens(body: CountTokensBody): number {
  let total = 0;
  for (const message of chatMessages(body)) {
    total += MESSAGE_OVERHEAD_TOKENS + estimateTokens(message.reasoning_content ?? '');
    const content =
      typeof message.content === 'string'
        ? [{ type: 'text' as const, text: message.content }]
        : (message.content ?? []);
    for (const part of content) total += part.type === 'text' ? estimateTokens(part.text) : IMAGE_TOKENS;
    for (const call of message.tool_calls ?? []) total += estimateTokens(call.function.name + call.function.arguments);
  }
  const tools = chatTools(body);
  return total + (tools.length > 0 ? estimateTokens(JSON.stringify(tools)) : 0);
}

// ---------------------------------------------------------------- answer

export function stopReason(finish: FinishReason | null | undefined, usedTools: boolean): StopReason {
  if (finish === 'length') return 'max_tokens';
  if (finish === 'tool_calls' || (usedTools && finish !== 'content_filter')) return 'tool_use';
  if (finish === 'content_filter') return 'refusal';
  if (finish === 'stop_sequence') return 'stop_sequence';
  return 'end_turn';
}

/**
 * `stop_reason` and `stop_sequence` of an answer: `stop_sequence` when the provider named the request's stop
 * sequence that ended it (chat providers end such an answer with `finish_reason: "stop"`).
 */
export function stopFields(
  finish: FinishReason | null | undefined,
  usedTools: boolean,
  sequence: string | undefined,
): { stop_reason: StopReason; stop_sequence: string | null } {
  const reason = stopReason(finish, usedTools);
  return sequence !== undefined && reason === 'end_turn'
    ? { stop_reason: 'stop_sequence', stop_sequence: sequence }
    : { stop_reason: reason, stop_sequence: null };
}

/** Anthropic counts cache reads apart from `input_tokens`; chat providers include them in `prompt_tokens`. */
export function toUsage(usage: Usage | undefined): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = usage?.cached_tokens;
  return {
    input_tokens: cached === undefined ? prompt : Math.max(0, prompt - cached),
    output_tokens: usage?.completion_tokens ?? 0,
    ...(cached === undefined ? {} : { cache_read_input_tokens: cached, cache_creation_input_tokens: 0 }),
  };
}

function parseInput(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return {};
  }
}

export const messageId = (requestId: string) => `msg_${requestId.replaceAll('-', '')}`;
export const toolUseId = () => `toolu_${randomUUID().replaceAll('-', '')}`;

/** The engine's answer as an Anthropic message. */
export function toAnthropicMessage(response: ChatResponse, requestId: string): AnthropicMessageOut {
  const choice = response.choices[0];
  const message = choice?.message;
  const content: OutputBlock[] = [];
  if (message?.reasoning_content)
    content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
  const text =
    typeof message?.content === 'string'
      ? message.content
      : (message?.content ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
  if (text) content.push({ type: 'text', text });
  for (const call of message?.tool_calls ?? []) {
    content.push({
      type: 'tool_use',
      id: call.id || toolUseId(),
      name: call.function.name,
      input: parseInput(call.function.arguments),
    });
  }
  return {
    id: messageId(requestId),
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    ...stopFields(choice?.finish_reason, (message?.tool_calls?.length ?? 0) > 0, choice?.stop_sequence),
    usage: toUsage(response.usage),
  };
}

// ---------------------------------------------------------------- stream

// ---------------------------------------------------------------- models

/** A model in Anthropic's list shape (`GET /v1/models` with `anthropic-version`). */
export function toAnthropicModel(info: ModelInfo) {
  return {
    type: 'model' as const,
    id: info.id,
    display_name: `${info.id} (${info.provider})`,
    created_at: '1970-01-01T00:00:00Z',
  };
}

export function toAnthropicModelList(models: ModelInfo[]) {
  const data = models.map(toAnthropicModel);
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

// ---------------------------------------------------------------- errors

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** The gateway's OpenAI-shaped error as Anthropic's `{type: "error", error: {type, message}}`. */
export function toAnthropicError(status: number, body: OpenAIErrorBody): AnthropicErrorBody {
  const type = errorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: body.error.message } };
}

/** True for a body in OpenAI's error shape (what every hook and handler of the app sends). */
export function isOpenAIErrorBody(value: unknown): value is OpenAIErrorBody {
  if (value === null || typeof value !== 'object' || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    error !== null &&
    typeof error === 'object' &&
    typeof (error as { message?: unknown }).message === 'string' &&
    !('type' in value)
  );
}
