import type { ChatMessage, ModelInfo, ThinkingOption } from '@exai/core';
import type { RequestBody, RequestContext } from '@exai/provider-openai-compatible';

/** Ids that are reasoning models when the catalog does not know them: o-series and GPT-5 (not `-chat`). */
const REASONING_ID = /^(o\d+(-|$)|gpt-5(?!.*chat))/;

/** Reasoning models take `max_completion_tokens` and `reasoning_effort`, and reject sampling parameters. */
export function isReasoningModel(model: ModelInfo): boolean {
  return model.inferred ? REASONING_ID.test(model.id) : model.capabilities.thinking;
}

/** Sampling parameters reasoning models refuse (OpenAI answers 400 "Unsupported parameter"). */
const UNSUPPORTED_BY_REASONING = [
  'temperature',
  'top_p',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
] as const;

/** The gateway's `thinking` option as an effort: off → `low`, on → from the budget, `medium` by default. */
export function effortFromThinking(thinking: ThinkingOption | undefined): string | undefined {
  if (!thinking) return undefined;
  if (thinking.type === 'disabled') return 'low';
  const budget = thinking.budget_tokens;
  if (budget === undefined) return 'medium';
  if (budget <= 2_048) return 'low';
  if (budget <= 16_384) return 'medium';
  return 'high';
}

/** OpenAI does not take the gateway's message extensions (`reasoning_content`, `partial`). */
function plainMessage(message: ChatMessage): ChatMessage {
  const { reasoning_content: _reasoning, partial: _partial, ...rest } = message;
  return rest;
}

/** OpenAI's one request-shaping hook. */
export function transformOpenAIRequest(body: RequestBody, context: RequestContext): RequestBody {
  const shaped: Record<string, unknown> = { ...body, messages: (body.messages as ChatMessage[]).map(plainMessage) };
  const thinking = shaped.thinking as ThinkingOption | undefined;
  delete shaped.thinking;
  if (isReasoningModel(context.model)) {
    const effort = (shaped.reasoning_effort as string | undefined) ?? effortFromThinking(thinking);
    if (effort) shaped.reasoning_effort = effort;
    if (shaped.max_tokens !== undefined) {
      shaped.max_completion_tokens ??= shaped.max_tokens;
      delete shaped.max_tokens;
    }
    for (const field of UNSUPPORTED_BY_REASONING) delete shaped[field];
  } else {
    delete shaped.reasoning_effort;
  }
  return shaped as RequestBody;
}
