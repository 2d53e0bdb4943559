/**
 * GLM request shaping: the one place where an OpenAI-style body becomes what Z.ai / BigModel accepts.
 * Pure: takes the wire body, returns a new one, never mutates its input.
 */

import { clamp, withoutStrict } from '@exai/provider-openai-compatible';

type Body = Record<string, unknown>;

/** Fields GLM's chat endpoint rejects or does not document; dropped rather than sent. */
const droppedFields = [
  'frequency_penalty',
  'presence_penalty',
  'stream_options',
  'parallel_tool_calls',
  'seed',
  'reasoning_effort',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'n',
  'models',
  'continuation_id',
] as const;

/** The built-in web search tool as GLM expects it; `search_result: true` so results come back as citations. */
export interface GlmWebSearchOptions {
  searchEngine?: 'search_pro' | 'search-prime' | 'search_std' | (string & {});
  /** Return the raw results (mapped to `citations`). Default true. */
  searchResult?: boolean;
  recency?: 'oneDay' | 'oneWeek' | 'oneMonth' | 'oneYear' | 'noLimit';
  count?: number;
  domainFilter?: string;
}

export function glmWebSearchTool(options: GlmWebSearchOptions = {}): {
  type: 'web_search';
  web_search: Record<string, unknown>;
} {
  return {
    type: 'web_search',
    web_search: {
      enable: true,
      search_engine: options.searchEngine ?? 'search_pro',
      search_result: options.searchResult ?? true,
      ...(options.recency ? { search_recency_filter: options.recency } : {}),
      ...(options.count !== undefined ? { count: options.count } : {}),
      ...(options.domainFilter ? { search_domain_filter: options.domainFilter } : {}),
    },
  };
}

function shapeTool(tool: unknown): unknown {
  if (typeof tool !== 'object' || tool === null || (tool as Body).type !== 'web_search') return withoutStrict(tool);
  const given = (tool as Body).web_search;
  const defaults = glmWebSearchTool().web_search;
  return {
    type: 'web_search',
    web_search: { ...defaults, ...(typeof given === 'object' && given !== null ? (given as Body) : {}) },
  };
}

function shapeMessage(message: unknown): unknown {
  if (typeof message !== 'object' || message === null) return message;
  const { partial: _partial, ...rest } = message as Body;
  return rest;
}

/**
 * Shapes a chat body for GLM:
 * - `tool_choice`: only `auto` is accepted, so a forced or `required` choice becomes `auto`;
 *   `none` removes the tools (the caller asked for no tool use).
 * - `max_completion_tokens` becomes `max_tokens`.
 * - `strict` is removed from function tools; a bare `{type: 'web_search'}` gets GLM's defaults.
 * - penalties, `stream_options`, `parallel_tool_calls`, `seed` and other unsupported fields are dropped.
 * - `thinking` is sent as `{type}` only; `reasoning_effort` (not accepted) turns thinking on, or off for `minimal`.
 * - `temperature` is clamped into [0, 1], `top_p` into [0.01, 1].
 * - `json_schema` response formats become `json_object` (GLM has JSON mode, not schemas).
 * `provider_options` are merged in after this by the base adapter (`providerOptionsLast`), so a caller can
 * always send a field GLM added later.
 */
export function shapeGlmRequest(body: Body): Body {
  const shaped: Body = { ...body };
  for (const field of droppedFields) delete shaped[field];

  if (shaped.max_completion_tokens !== undefined) {
    if (shaped.max_tokens === undefined) shaped.max_tokens = shaped.max_completion_tokens;
    delete shaped.max_completion_tokens;
  }
  if (typeof shaped.temperature === 'number') shaped.temperature = clamp(shaped.temperature, 0, 1);
  if (typeof shaped.top_p === 'number') shaped.top_p = clamp(shaped.top_p, 0.01, 1);

  const thinking = body.thinking as { type?: unknown } | undefined;
  if (thinking && typeof thinking === 'object' && (thinking.type === 'enabled' || thinking.type === 'disabled')) {
    shaped.thinking = { type: thinking.type };
  } else if (thinking !== undefined) {
    delete shaped.thinking;
  }
  if (shaped.thinking === undefined && typeof body.reasoning_effort === 'string') {
    shaped.thinking = { type: body.reasoning_effort === 'minimal' ? 'disabled' : 'enabled' };
  }

  if (Array.isArray(shaped.tools)) {
    if (shaped.tool_choice === 'none') {
      delete shaped.tools;
      delete shaped.tool_choice;
    } else {
      shaped.tools = shaped.tools.map(shapeTool);
      if (shaped.tool_choice !== undefined) shaped.tool_choice = 'auto';
    }
  } else {
    delete shaped.tool_choice;
  }

  const format = shaped.response_format as { type?: unknown } | undefined;
  if (format && format.type === 'json_schema') shaped.response_format = { type: 'json_object' };

  if (Array.isArray(shaped.messages)) shaped.messages = shaped.messages.map(shapeMessage);

  // GLM names the end-user id `user_id` and accepts 6..128 characters.
  if (typeof shaped.user === 'string') {
    if (shaped.user_id === undefined && shaped.user.length >= 6 && shaped.user.length <= 128)
      shaped.user_id = shaped.user;
    delete shaped.user;
  }

  return shaped;
}
