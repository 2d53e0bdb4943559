import {
  BudgetExceededError,
  type ChatRequest,
  type Cost,
  costOf,
  type Logger,
  LruMap,
  NotFoundError,
  sumCosts,
  type Turn,
  type Usage,
  zeroCost,
} from '@exai/core';
import type { ApiKeyRecord, BudgetPeriod, Store } from '@exai/store';
import type { Affinity } from './chain.js';
import { estimateTokens } from './file-context.js';
import { MESSAGE_OVERHEAD_TOKENS } from './history.js';
import { textOf } from './memory.js';
import type { ModelResolver, Target } from './resolve.js';
import type { RouteAttempt } from './route-types.js';

/**
 * Money: the cost of every attempt (from the usage the provider reported, or our estimate), and a
 * key's budget, checked before the call (a reservation of the call's estimated cost against the
 * spend so far, atomic across instances) and settled to the real cost after it.
 */

/** What a request's prompt is worth in tokens, by the gateway's estimate (one token per four characters). */
export function promptTokens(request: Pick<ChatRequest, 'messages'>): number {
  return request.messages.reduce((sum, message) => sum + estimateTokens(textOf(message)) + MESSAGE_OVERHEAD_TOKENS, 0);
}

/** Completion tokens reserved for a call that does not say (`max_tokens`). */
const DEFAULT_RESERVED_OUTPUT_TOKENS = 1_024;

function pricingOf(chain: readonly Target[], provider: string, model: string) {
  return chain.find((target) => target.provider === provider && target.model === model)?.info.pricing;
}

/**
 * Prices each attempt that has no cost yet. Reported usage is billed as reported (cached prompt
 * tokens at the cached price); an answered attempt without usage is estimated from the prompt and
 * `answerChars`; a failed one without usage costs 0 (marked estimated: we cannot know).
 */
export function priceAttempts(
  attempts: RouteAttempt[],
  chain: readonly Target[],
  estimate: { request: Pick<ChatRequest, 'messages'>; answerChars: number },
): Cost {
  for (const attempt of attempts) {
    if (attempt.cost) continue;
    const pricing = pricingOf(chain, attempt.provider, attempt.model);
    if (attempt.usage) attempt.cost = costOf(attempt.usage, pricing);
    else if (attempt.outcome === 'ok') {
      const usage: Usage = {
        prompt_tokens: promptTokens(estimate.request),
        completion_tokens: Math.ceil(estimate.answerChars / 4),
        total_tokens: 0,
      };
      attempt.cost = costOf(usage, pricing, { estimated: true });
    } else attempt.cost = { ...zeroCost(pricing?.currency), estimated: true };
  }
  return sumCosts(attempts.map((attempt) => attempt.cost!));
}

/** Prices a finished call (`meta.cost`) and settles its budget reservation (`meta.budget`); never throws. */
export async function priceCall(
  meta: { attempts: RouteAttempt[]; cost?: Cost; budget?: BudgetMeta },
  call: { chain: Target[]; request: ChatRequest; admission: Admission | undefined; answerChars: number },
  logger: Logger,
): Promise<void> {
  meta.cost = priceAttempts(meta.attempts, call.chain, call);
  const budget = await call.admission?.settle(meta.cost).catch((error: unknown) => {
    logger.warn({ err: error }, 'could not record the spend of a call');
    return undefined;
  });
  if (budget) meta.budget = budget;
}

/** The budget period a time falls in, and when it ends (UTC). */
export function budgetPeriod(period: BudgetPeriod, now: number): { label: string; resetAt: number | null } {
  if (period === 'total') return { label: 'total', resetAt: null };
  const start = periodStart(period, now);
  const date = new Date(start);
  if (period === 'day') return { label: `day:${date.toISOString().slice(0, 10)}`, resetAt: start + 24 * 3600_000 };
  return {
    label: `month:${date.toISOString().slice(0, 7)}`,
    resetAt: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
  };
}

/** When the day or month (UTC) that `now` falls in began. */
export function periodStart(period: 'day' | 'month', now: number): number {
  const date = new Date(now);
  return period === 'day'
    ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
    : Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** What `exai.budget` says about the caller's budget after the call. */
export interface BudgetMeta {
  limit: number;
  period: BudgetPeriod;
  /** Spent so far in the period (this call included once it is settled). */
  spent: number;
  /** Epoch ms of the next reset; null for a total budget. */
  resetAt: number | null;
  /** True once spend has passed the key's alert threshold. */
  alert: boolean;
}

export interface Admission {
  /** The chain with the models the key may not call removed. */
  chain: Target[];
  /** Replaces the reservation by the call's cost; resolves to the budget state for `exai.budget`. */
  settle(cost: Cost | undefined): Promise<BudgetMeta | undefined>;
}

const CACHE_MS = 30_000;

/** Key policies (allowed models, budget) looked up by the caller's key id, cached like verified keys. */
export class SpendGuard {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #now: () => number;
  // Bounded: one entry per key id (and per key and budget period), never growing with the fleet's history.
  readonly #policies = new LruMap<string, { record: ApiKeyRecord | undefined; until: number }>(10_000);
  readonly #alerted = new LruMap<string, true>(10_000);

  constructor(store: Store, logger: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#logger = logger;
    this.#now = now;
  }

  async #policy(keyId: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.#policies.get(keyId);
    if (cached && cached.until > this.#now()) return cached.record;
    const record = await this.#store.getApiKey(keyId);
    this.#policies.set(keyId, { record, until: this.#now() + CACHE_MS });
    return record;
  }

  /** Forgets a key's cached policy (after an admin changed or revoked it). */
  forget(keyId: string): void {
    this.#policies.delete(keyId);
  }

  /**
   * Checks a call before any provider sees it: the models the key may use, then its budget (throws
   * `budget_exceeded` with the reset time when spent). Keys from the environment have no policy.
   */
  async admit(caller: string | undefined, chain: Target[], request: ChatRequest): Promise<Admission | undefined> {
    if (!caller?.startsWith('key_')) return undefined;
    const record = await this.#policy(caller);
    if (!record) return undefined;
    let allowed = chain;
    if (record.models) {
      const names = new Set(record.models);
      allowed = chain.filter(
        (target) =>
          names.has(target.model) || names.has(`${target.provider}/${target.model}`) || names.has(request.model),
      );
      if (allowed.length === 0)
        throw new NotFoundError({
          message: `The model '${request.model}' is not available to this API key`,
          param: 'model',
          model: request.model,
        });
    }
    const budget = record.budget;
    if (!budget) return { chain: allowed, settle: async () => undefined };
    const now = this.#now();
    const period = budgetPeriod(budget.period, now);
    const reserved = this.#estimate(allowed[0]!, request);
    const reservation = await this.#store.reserveSpend(caller, period.label, budget.amount, reserved);
    if (!reservation.allowed) {
      const resets =
        period.resetAt === null
          ? 'it does not reset (a total budget)'
          : `it resets at ${new Date(period.resetAt).toISOString()}`;
      throw new BudgetExceededError({
        message: `This API key has spent its budget of ${budget.amount} USD (${budget.period}); ${resets}`,
        ...(period.resetAt === null ? {} : { retryAfterMs: Math.max(0, period.resetAt - now) }),
      });
    }
    return {
      chain: allowed,
      settle: async (cost) => {
        const actual = cost?.amount ?? 0;
        await this.#store.settleSpend(caller, period.label, reserved, actual);
        const spent = reservation.spent - reserved + actual;
        const alert = budget.alertAt !== undefined && spent >= budget.alertAt * budget.amount;
        const alertKey = `${caller}:${period.label}`;
        if (alert && !this.#alerted.has(alertKey)) {
          this.#alerted.set(alertKey, true);
          this.#logger.warn(
            { apiKeyId: caller, spent, limit: budget.amount, period: period.label },
            'API key passed its budget alert threshold',
          );
        }
        return { limit: budget.amount, period: budget.period, spent, resetAt: period.resetAt, alert };
      },
    };
  }

  /** A call's cost by estimate: its prompt at the input price, `max_tokens` (or 1,024) at the output price. */
  #estimate(target: Target, request: ChatRequest): number {
    const output = Math.min(
      request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_RESERVED_OUTPUT_TOKENS,
      target.info.maxOutput,
    );
    return costOf({ prompt_tokens: promptTokens(request), completion_tokens: output }, target.info.pricing).amount;
  }
}

/**
 * A thread's affinity: its provider, and its model while that model's prompt cache is worth it: the
 * model bills cached input for less than input, and its latest answer in the thread (after the first,
 * which nothing could have cached) reported cached tokens. A thread that failed over keeps this
 * affinity, so it returns once the home target's breaker lets calls through again.
 */
export function affinityOf(
  thread: { provider?: string | null; model?: string | null },
  turns: ReadonlyArray<Turn & { usage?: unknown }>,
  resolver: Pick<ModelResolver, 'catalog'>,
): Affinity | null {
  if (!thread.provider) return null;
  const pricing = resolver
    .catalog()
    .find((info) => info.provider === thread.provider && info.id === thread.model)?.pricing;
  const discounted = pricing !== undefined && (pricing.cachedInput ?? pricing.input) < pricing.input;
  const home = turns.filter(
    (turn) => turn.role === 'assistant' && turn.provider === thread.provider && turn.model === thread.model,
  );
  const latest = home.at(-1)?.usage as Partial<Usage> | null | undefined;
  const warm = home.length <= 1 || (latest?.cached_tokens ?? 0) > 0;
  return { provider: thread.provider, model: thread.model ?? null, cached: discounted && warm };
}
