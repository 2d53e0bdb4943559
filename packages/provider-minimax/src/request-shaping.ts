/**
 * MiniMax request shaping. Pure: takes the wire body, returns a new one.
 */

import { clamp, withoutStrict } from '@exai/provider-openai-compatible';

type Body = Record<string, unknown>;

/** Fields MiniMax does not document; dropped rather than risking a rejection. */
const droppedFields = [
  'tool_choice',
  'response_format',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'parallel_tool_calls',
  'reasoning_effort',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'models',
  'continuation_id',
] as const;

/** Smallest temperature / top_p sent: MiniMax's range is (0, 1]. */
export const minimumSampling = 0.01;

/**
 * MiniMax needs an assistant turn's reasoning back in multi-turn tool use. The gateway keeps it in
 * `reasoning_content`; this puts it where MiniMax reads it: `reasoning_details` when split, otherwise
 * re-wrapped in `<think>` at the start of `content`.
 */
function shapeMessage(message: unknown, split: boolean): unknown {
  if (typeof message !== 'object' || message === null) return message;
  const { reasoning_content: reasoning, partial: _partial, ...rest } = message as Body;
  if (rest.role !== 'assistant' || typeof reasoning !== 'string' || reasoning === '') return rest;
  if (split) {
    return {
      ...rest,
      reasoning_details: [
        { type: 'reasoning.text', id: 'reasoning-text-1', format: 'MiniMax-response-v1', index: 0, text: reasoning },
      ],
    };
  }
  const content = typeof rest.content === 'string' ? rest.content : '';
  return { ...rest, content: `<think>\n${reasoning}\n</think>\n\n${content}` };
}

/**
 * Shapes a chat body for MiniMax:
 * - `temperature` and `top_p` clamped into (0, 1] (0 → 0.01, 1.5 → 1).
 * - `max_tokens` (deprecated there) becomes `max_completion_tokens`.
 * - `tool_choice`, `response_format`, `seed`, penalties, `parallel_tool_calls` dropped; `strict` removed from tools.
 * - Default: `reasoning_split: true`, so reasoning arrives in `reasoning_details` instead of `<think>` inside
 *   `content`. MiniMax-M2-family models always think, so this is on unless the caller asks
 *   `thinking: {type: 'disabled'}` (then nothing is sent and any `<think>` block is still split out of content)
 *   sets `reasoning_split` explicitly (in `provider_options` or the body).
 * - `thinking` itself is not sent (not a MiniMax field; M-series models always think).
 * - earlier assistant turns get their reasoning back in MiniMax's form (see `shapeMessage`).
 */
export function shapeMinimaxRequest(body: Body): Body {
  const shaped: Body = { ...body };
  for (const field of droppedFields) delete shaped[field];

  if (typeof shaped.temperature === 'number') shaped.temperature = clamp(shaped.temperature, minimumSampling, 1);
  if (typeof shaped.top_p === 'number') shaped.top_p = clamp(shaped.top_p, minimumSampling, 1);
  if (shaped.max_tokens !== undefined) {
    if (shaped.max_completion_tokens === undefined) shaped.max_completion_tokens = shaped.max_tokens;
    delete shaped.max_tokens;
  }

  const thinking = body.thinking as { type?: unknown } | undefined;
  const thinkingType = thinking && typeof thinking === 'object' ? thinking.type : undefined;
  delete shaped.thinking;

  const split = typeof body.reasoning_split === 'boolean' ? body.reasoning_split : thinkingType !== 'disabled';
  if (split) shaped.reasoning_split = true;
  else delete shaped.reasoning_split;

  if (Array.isArray(shaped.tools)) shaped.tools = shaped.tools.map(withoutStrict);
  if (Array.isArray(shaped.messages)) shaped.messages = shaped.messages.map((message) => shapeMessage(message, split));

  return shaped;
}
