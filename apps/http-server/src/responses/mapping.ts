import {
  BadRequestError,
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type Tool,
  type ToolCall,
  type ToolChoice,
} from '@exai/core';
import { HINT_FIELDS, type InputItem, parseInputItem, REFUSED_FIELDS, type ResponsesBody } from './schema.js';

/**
 * The one home of the Responses conversation format: Responses input items ⇄ the engine's
 * `ChatRequest` messages here, and a chat answer → a Responses `response` object in `output.ts`
 * (re-exported below). HTTP (and later the WebSocket and the tools) use these; the streaming events
 * are built in `stream-events.ts` from the same `AnswerParts` and `buildResponse`.
 */

import type { MappedRequest } from './types.js';

const BUILTIN_TOOL_NOTE =
  'only function tools (and namespaces of them), and web_search on GLM and Kimi models, are served through the gateway';

export const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;

function mapContent(
  content:
    | string
    | ReadonlyArray<{
        type: string;
        text?: string;
        refusal?: string;
        image_url?: string | null | undefined;
        file_id?: string | null | undefined;
        detail?: string | undefined;
      }>,
  param: string,
): string | ContentPart[] {
  if (typeof content === 'string') return content;
  return content.map((part, index): ContentPart => {
    if (part.type === 'input_image') {
      if (!part.image_url)
        throw new BadRequestError({
          message: 'Images are accepted by URL or data URL (image_url); file_id is not served by the gateway',
          param: `${param}[${index}].file_id`,
        });
      return {
        type: 'image_url',
        image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail as 'auto' | 'low' | 'high' } : {}) },
      };
    }
    return { type: 'text', text: part.type === 'refusal' ? (part.refusal ?? '') : (part.text ?? '') };
  });
}

/** Input items → chat messages, appended to `messages` (which may hold a previous response's conversation). */
export function itemsToMessages(items: InputItem[], messages: ChatMessage[]): void {
  const calls = new Set(messages.flatMap((message) => message.tool_calls?.map((call) => call.id) ?? []));
  let pendingReasoning = '';
  /** The assistant message the next `function_call` joins (the one just before it), if any. */
  const lastAssistant = () => {
    const last = messages.at(-1);
    return last?.role === 'assistant' ? last : undefined;
  };
  items.forEach((item, index) => {
    const param = `input[${index}]`;
    if (item.type === 'reasoning') {
      const summary = item.summary?.map((part) => part.text).join('\n') ?? '';
      const content = item.content?.map((part) => part.text).join('\n') ?? '';
      pendingReasoning += content || summary;
      return;
    }
    if (item.type === 'function_call') {
      calls.add(item.call_id);
      const call: ToolCall = {
        id: item.call_id,
        type: 'function',
        function: { name: item.name, arguments: item.arguments },
      };
      const previous = lastAssistant();
      if (previous && !pendingReasoning) previous.tool_calls = [...(previous.tool_calls ?? []), call];
      else
        messages.push({
          role: 'assistant',
          content: null,
          tool_calls: [call],
          ...(pendingReasoning ? { reasoning_content: pendingReasoning } : {}),
        });
      pendingReasoning = '';
      return;
    }
    if (item.type === 'function_call_output') {
      if (!calls.has(item.call_id)) {
        throw new BadRequestError({
          message: `No function_call with call_id '${item.call_id.slice(0, 200)}' precedes this function_call_output`,
          param: `${param}.call_id`,
        });
      }
      const output = mapContent(item.output, `${param}.output`);
      messages.push({
        role: 'tool',
        tool_call_id: item.call_id,
        content: typeof output === 'string' ? output : textOf(output),
      });
      return;
    }
    const content = mapContent(item.content, `${param}.content`);
    if (item.role === 'assistant') {
      messages.push({
        role: 'assistant',
        content: textOf(content),
        ...(pendingReasoning ? { reasoning_content: pendingReasoning } : {}),
      });
      pendingReasoning = '';
      return;
    }
    messages.push({
      role: item.role === 'developer' ? 'system' : item.role,
      content: item.role === 'user' ? content : textOf(content),
    });
  });
}

/** OpenAI's built-in web search, served by the providers' own (GLM `web_search`, Kimi `$web_search`). */
const WEB_SEARCH_TOOLS = new Set(['web_search', 'web_search_preview']);

interface ToolInput {
  type: string;
  name?: unknown;
  description?: unknown;
  parameters?: unknown;
  strict?: unknown;
  tools?: unknown;
  external_web_access?: unknown;
}

function functionTool(tool: ToolInput, param: string): Tool {
  if (typeof tool.name !== 'string' || tool.name === '')
    throw new BadRequestError({ message: 'A function tool needs a name', param: `${param}.name` });
  const parameters =
    tool.parameters !== null && typeof tool.parameters === 'object' && !Array.isArray(tool.parameters)
      ? (tool.parameters as Record<string, unknown>)
      : undefined;
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(typeof tool.description === 'string' && tool.description ? { description: tool.description } : {}),
      ...(parameters ? { parameters } : {}),
      ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
    },
  };
}

/**
 * Responses tools → chat tools. A `namespace` (Codex groups its sub-agent tools so) is flattened
 * into its function tools, and `namespaces` remembers each one's namespace for the output items;
 * `web_search` becomes the chat path's `{type: 'web_search'}` (the route checks the provider has one), except
 * with `external_web_access: false` (Codex's cached mode: no live search wanted), which is left out and listed
 * in `ignored`; other built-in tools are refused.
 */
function mapTools(
  tools: ResponsesBody['tools'],
  ignored: string[],
): { tools: Tool[] | undefined; namespaces: Map<string, string>; webSearch?: string } {
  const namespaces = new Map<string, string>();
  if (!tools || tools.length === 0) return { tools: undefined, namespaces };
  const mapped: Tool[] = [];
  let webSearch: string | undefined;
  tools.forEach((tool: ToolInput, index) => {
    const param = `tools[${index}]`;
    if (tool.type === 'function') mapped.push(functionTool(tool, param));
    else if (tool.type === 'namespace' && Array.isArray(tool.tools) && typeof tool.name === 'string') {
      (tool.tools as ToolInput[]).forEach((inner, innerIndex) => {
        if (inner?.type !== 'function')
          throw new BadRequestError({
            message: `Tool type '${String(inner?.type).slice(0, 100)}' is not supported inside a namespace`,
            param: `${param}.tools[${innerIndex}].type`,
          });
        const chatTool = functionTool(inner, `${param}.tools[${innerIndex}]`);
        if (chatTool.type === 'function') namespaces.set(chatTool.function.name, tool.name as string);
        mapped.push(chatTool);
      });
    } else if (WEB_SEARCH_TOOLS.has(tool.type) && tool.external_web_access === false)
      ignored.push(`${param} (${tool.type})`);
    else if (WEB_SEARCH_TOOLS.has(tool.type) && webSearch === undefined) {
      webSearch = `${param}.type`;
      mapped.push({ type: 'web_search' });
    } else
      throw new BadRequestError({
        message: `Tool type '${String(tool.type).slice(0, 100)}' is not supported: ${BUILTIN_TOOL_NOTE}`,
        param: `${param}.type`,
      });
  });
  return { tools: mapped.length > 0 ? mapped : undefined, namespaces, ...(webSearch ? { webSearch } : {}) };
}

function mapToolChoice(choice: ResponsesBody['tool_choice']): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function' && typeof choice.name === 'string')
    return { type: 'function', function: { name: choice.name } };
  throw new BadRequestError({
    message: `tool_choice of type '${String(choice.type).slice(0, 100)}' is not supported: ${BUILTIN_TOOL_NOTE}`,
    param: 'tool_choice.type',
  });
}

/** A validated Responses body (and the conversation of `previous_response_id`, if any) → an engine request. */
export function toChatRequest(body: ResponsesBody, previous: ChatMessage[] = []): MappedRequest {
  for (const field of REFUSED_FIELDS) {
    if (Object.hasOwn(body, field) && body[field] !== null && body[field] !== undefined) {
      throw new BadRequestError({
        message: `'${field}' is not supported by the gateway; it would change the meaning of the request`,
        param: field,
      });
    }
  }
  const ignored: string[] = HINT_FIELDS.filter((field) => Object.hasOwn(body, field) && body[field] !== undefined);
  if (body.text?.verbosity) ignored.push('text.verbosity');
  if (body.reasoning?.summary || body.reasoning?.generate_summary) ignored.push('reasoning.summary');
  const rawItems =
    typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : (body.input ?? []);
  const inputItems = rawItems.map((item, index) => parseInputItem(item, index));
  const conversation = previous.map((message) => ({ ...message }));
  itemsToMessages(inputItems, conversation);
  if (conversation.length === 0)
    throw new BadRequestError({ message: "'input' is empty: send a string or at least one item", param: 'input' });
  const messages: ChatMessage[] = body.instructions
    ? [{ role: 'system', content: body.instructions }, ...conversation]
    : [...conversation];
  const effort = body.reasoning?.effort;
  const format = body.text?.format;
  const { tools, namespaces, webSearch } = mapTools(body.tools, ignored);
  const toolChoice = mapToolChoice(body.tool_choice);
  const request: ChatRequest = {
    model: body.model,
    messages,
    ...(tools ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(typeof body.parallel_tool_calls === 'boolean' ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...(typeof body.max_output_tokens === 'number' ? { max_tokens: body.max_output_tokens } : {}),
    ...(body.user ? { user: body.user } : {}),
    ...(body.models ? { models: body.models } : {}),
    ...(effort === 'none' ? { thinking: { type: 'disabled' as const } } : {}),
    ...(effort && effort !== 'none'
      ? { thinking: { type: 'enabled' as const }, reasoning_effort: effort === 'xhigh' ? 'high' : effort }
      : {}),
    ...(format?.type === 'json_object' ? { response_format: { type: 'json_object' as const } } : {}),
    ...(format?.type === 'json_schema'
      ? {
          response_format: {
            type: 'json_schema' as const,
            json_schema: {
              name: format.name,
              schema: format.schema,
              ...(format.description ? { description: format.description } : {}),
              ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
            },
          },
        }
      : {}),
  };
  return { request, conversation, inputItems, ignored, namespaces, ...(webSearch ? { webSearch } : {}) };
}

/** An input item as `GET /v1/responses/{id}/input_items` lists it: with an id and a type, message content as parts. */
export function listedInputItem(item: InputItem): InputItem & { id: string } {
  if (item.type === 'function_call_output') return { ...item, id: item.id ?? newId('fco') };
  if (item.type === 'function_call') return { ...item, id: item.id ?? newId('fc') };
  if (item.type === 'reasoning') return { ...item, id: item.id ?? newId('rs') };
  const partType = item.role === 'assistant' ? 'output_text' : 'input_text';
  const content = typeof item.content === 'string' ? [{ type: partType, text: item.content }] : item.content;
  return { ...item, type: 'message', id: item.id ?? newId('msg'), content } as InputItem & { id: string };
}

import { textOf } from './output.js';

export { answerParts, buildResponse, outputItems, responseShell } from './output.js';
