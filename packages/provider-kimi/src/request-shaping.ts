/**
 * Kimi (Moonshot) request shaping. Pure: takes the wire body, returns a new one.
 */

import { clamp, withoutStrict } from '@exai/provider-openai-compatible';

type Body = Record<string, unknown>;

/** Fields Moonshot's chat endpoint does not accept; dropped rather than sent. */
const droppedFields = [
  'seed',
  'parallel_tool_calls',
  'reasoning_effort',
  'logit_bias',
  'top_logprobs',
  'logprobs',
  'user',
  'models',
  'continuation_id',
] as const;

/** The `$web_search` builtin function tool. */
export const kimiWebSearchTool = Object.freeze({
  type: 'builtin_function',
  function: Object.freeze({ name: '$web_search' }),
}) as { readonly type: 'builtin_function'; readonly function: { readonly name: '$web_search' } };

function shapeTool(tool: unknown): unknown {
  // A portable `{type: 'web_search'}` (GLM's spelling) becomes Kimi's builtin.
  if (typeof tool === 'object' && tool !== null && (tool as Body).type === 'web_search')
    return { type: 'builtin_function', function: { name: '$web_search' } };
  return withoutStrict(tool);
}

/**
 * Shapes a chat body for Kimi:
 * - `temperature` clamped into [0, 1] (1.5 → 1); `top_p` into [0, 1].
 * - `max_completion_tokens` becomes `max_tokens`.
 * - `tool_choice`: `none` and `auto` pass; `required` or a forced function become `auto` (not accepted).
 * - `strict` removed from function tools; `{type: 'web_search'}` becomes the `$web_search` builtin function.
 * - `thinking` sent as `{type}`; `seed`, `parallel_tool_calls`, `reasoning_effort`, `user` dropped.
 * - messages pass through unchanged, so a final assistant message with `partial: true` (partial mode)
 *   and `reasoning_content` on earlier assistant turns (thinking models) reach Kimi.
 * `provider_options` are merged in after this by the base adapter (`providerOptionsLast`).
 */
export function shapeKimiRequest(body: Body): Body {
  const shaped: Body = { ...body };
  for (const field of droppedFields) delete shaped[field];

  if (typeof shaped.temperature === 'number') shaped.temperature = clamp(shaped.temperature, 0, 1);
  if (typeof shaped.top_p === 'number') shaped.top_p = clamp(shaped.top_p, 0, 1);
  if (shaped.max_completion_tokens !== undefined) {
    if (shaped.max_tokens === undefined) shaped.max_tokens = shaped.max_completion_tokens;
    delete shaped.max_completion_tokens;
  }

  const thinking = body.thinking as { type?: unknown } | undefined;
  if (thinking && typeof thinking === 'object' && (thinking.type === 'enabled' || thinking.type === 'disabled')) {
    shaped.thinking = { type: thinking.type };
  } else {
    delete shaped.thinking;
  }

  if (Array.isArray(shaped.tools)) {
    shaped.tools = shaped.tools.map(shapeTool);
    if (shaped.tool_choice !== undefined && shaped.tool_choice !== 'none' && shaped.tool_choice !== 'auto')
      shaped.tool_choice = 'auto';
  } else {
    delete shaped.tool_choice;
  }

  const format = shaped.response_format as { type?: unknown } | undefined;
  if (format && format.type === 'json_schema') shaped.response_format = { type: 'json_object' };

  return shaped;
}
