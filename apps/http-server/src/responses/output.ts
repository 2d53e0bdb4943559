import type { ChatMessage, ChatResponse, ContentPart, ToolCall, Usage } from '@exai/core';
import type { ResponsesBody } from './schema.js';
import type { AnswerParts, ItemStatus, OutputItem, ResponseObject, ResponseUsage } from './types.js';

/**
 * The answer side of the Responses format: a chat answer → its parts → a Responses `response` object
 * (shell, output items, usage, status). The request side (input items and tools → a `ChatRequest`) is in
 * `mapping.ts`; the streaming events in `stream-events.ts` build on the same parts and `buildResponse`.
 */

/** Text of a content value, for roles whose content the chat form keeps as a string. */
export const textOf = (content: string | ContentPart[]): string =>
  typeof content === 'string' ? content : content.map((part) => (part.type === 'text' ? part.text : '')).join('');

/** A whole chat answer → the parts a response is built from. */
export function answerParts(answer: ChatResponse): AnswerParts {
  const choice = answer.choices[0];
  const message = choice?.message;
  return {
    text: message ? textOf(message.content ?? '') : '',
    reasoning: message?.reasoning_content ?? '',
    toolCalls: message?.tool_calls ?? [],
    finishReason: choice?.finish_reason ?? null,
    usage: answer.usage,
    model: answer.model,
  };
}

/** The answer as the assistant turn a later `previous_response_id` request carries. */
export function answerMessage(parts: AnswerParts): ChatMessage {
  return {
    role: 'assistant',
    content: parts.text || null,
    ...(parts.reasoning ? { reasoning_content: parts.reasoning } : {}),
    ...(parts.toolCalls.length > 0 ? { tool_calls: parts.toolCalls } : {}),
  };
}

export function mapUsage(usage: Usage | undefined): ResponseUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

export function incompleteReason(finishReason: string | null): 'max_output_tokens' | 'content_filter' | null {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content_filter') return 'content_filter';
  return null;
}

/** The response shell for a request (status `in_progress`, no output yet): echoes the request's settings. */
export function responseShell(
  body: ResponsesBody,
  options: { id: string; createdAt: number; store: boolean },
): ResponseObject {
  const format = body.text?.format ?? { type: 'text' };
  return {
    id: options.id,
    object: 'response',
    created_at: options.createdAt,
    status: 'in_progress',
    background: body.background === true,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: [],
    output_text: '',
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: options.store,
    temperature: body.temperature ?? null,
    text: { format },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? null,
    truncation: 'disabled',
    usage: null,
    ...(body.user ? { user: body.user } : {}),
    metadata: body.metadata ?? {},
  };
}

/** The output items of an answer, in the order OpenAI gives them: reasoning, message, function calls. */
export function outputItems(
  parts: AnswerParts,
  ids: { reasoning: string; message: string; call: (index: number) => string },
  namespaces: ReadonlyMap<string, string> = new Map(),
  status: ItemStatus = 'completed',
): OutputItem[] {
  const items: OutputItem[] = [];
  if (parts.reasoning)
    items.push({ id: ids.reasoning, type: 'reasoning', summary: [{ type: 'summary_text', text: parts.reasoning }] });
  if (parts.text)
    items.push({
      id: ids.message,
      type: 'message',
      role: 'assistant',
      status,
      content: [{ type: 'output_text', text: parts.text, annotations: [] }],
    });
  const calls = parts.toolCalls.map((call, index) => functionCallItem(ids.call(index), call, namespaces));
  return [...items, ...calls];
}

/** A finished tool call as a `function_call` output item (with its namespace when the tool came from one). */
export function functionCallItem(id: string, call: ToolCall, namespaces: ReadonlyMap<string, string>): OutputItem {
  const namespace = namespaces.get(call.function.name);
  return {
    id,
    type: 'function_call',
    call_id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
    status: 'completed',
    ...(namespace ? { namespace } : {}),
  };
}

/** The finished response: the shell with the answer's output, usage, status and model. */
export function buildResponse(shell: ResponseObject, parts: AnswerParts, output: OutputItem[]): ResponseObject {
  const reason = incompleteReason(parts.finishReason);
  return {
    ...shell,
    model: parts.model || shell.model,
    status: reason ? 'incomplete' : 'completed',
    incomplete_details: reason ? { reason } : null,
    output,
    output_text: parts.text,
    usage: mapUsage(parts.usage),
  };
}
