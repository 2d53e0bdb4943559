import type { ChatMessage, ChatRequest, ToolCall, Usage } from '@exai/core';
import type { InputItem } from './schema.js';

/** The Responses API's shapes as the gateway produces them (the mapping is in `mapping.ts`). */

/** A Responses output item, as the gateway produces them. */
export type OutputItem =
  | {
      id: string;
      type: 'message';
      role: 'assistant';
      status: ItemStatus;
      content: Array<{ type: 'output_text'; text: string; annotations: unknown[] }>;
    }
  | {
      id: string;
      type: 'function_call';
      call_id: string;
      name: string;
      arguments: string;
      status: ItemStatus;
      namespace?: string;
    }
  | { id: string; type: 'reasoning'; summary: Array<{ type: 'summary_text'; text: string }>; status?: ItemStatus };

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The `response` object (OpenAI's shape, the fields a gateway can fill) plus the `exai` extension. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  output_text: string;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: 'disabled';
  usage: ResponseUsage | null;
  user?: string;
  metadata: Record<string, string>;
  exai?: Record<string, unknown>;
}

/** What a chat answer holds, whether it arrived whole or was assembled from stream chunks. */
export interface AnswerParts {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage?: Usage | undefined;
  model: string;
}

export interface MappedRequest {
  request: ChatRequest;
  /** The conversation without the instructions: what a later `previous_response_id` continues from. */
  conversation: ChatMessage[];
  /** This request's own input items (for `GET /v1/responses/{id}/input_items`). */
  inputItems: InputItem[];
  /** Hint-only fields that were accepted and not acted on. */
  ignored: string[];
  /** Function tool name → the `namespace` tool it came from (echoed on `function_call` items). */
  namespaces: Map<string, string>;
  /** Where the built-in web search tool was asked for (`tools[1].type`), when it was. */
  webSearch?: string;
}
