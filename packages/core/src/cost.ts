import type { ModelPricing, Usage } from './types.js';

/** What one attempt or one request cost, in the model's currency. */
export interface Cost {
  amount: number;
  currency: string;
  /** True when the token counts are the gateway's estimate (the provider reported none) or the model has no price. */
  estimated: boolean;
  /** Prompt tokens billed at the cached-input price. */
  cachedTokens: number;
}

export const DEFAULT_CURRENCY = 'USD';

/** No tokens, no money. */
export const zeroCost = (currency = DEFAULT_CURRENCY): Cost => ({
  amount: 0,
  currency,
  estimated: false,
  cachedTokens: 0,
});

/**
 * The cost of `usage` at `pricing` (per million tokens). Cached prompt tokens (`cached_tokens`, part of
 * `prompt_tokens` as OpenAI, GLM, Kimi and MiniMax report them) are billed at the cached-input price.
 * A model without a price costs 0, marked `estimated`.
 */
export function costOf(
  usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens' | 'cached_tokens'>,
  pricing: ModelPricing | undefined,
  options: { estimated?: boolean } = {},
): Cost {
  if (!pricing) return { ...zeroCost(), estimated: true };
  const prompt = Math.max(0, usage.prompt_tokens);
  const cached = Math.min(prompt, Math.max(0, usage.cached_tokens ?? 0));
  const output = Math.max(0, usage.completion_tokens);
  const amount =
    ((prompt - cached) * pricing.input + cached * (pricing.cachedInput ?? pricing.input) + output * pricing.output) /
    1_000_000;
  return {
    amount,
    currency: pricing.currency ?? DEFAULT_CURRENCY,
    estimated: options.estimated === true,
    cachedTokens: cached,
  };
}

/** The sum of several costs (a request's attempts); estimated when any part is. */
export function sumCosts(costs: readonly Cost[]): Cost {
  const total = zeroCost(costs[0]?.currency);
  for (const cost of costs) {
    total.amount += cost.amount;
    total.cachedTokens += cost.cachedTokens;
    if (cost.estimated) total.estimated = true;
  }
  return total;
}
