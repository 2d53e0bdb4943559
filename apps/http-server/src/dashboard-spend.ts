import { budgetPeriod, periodStart } from '@exai/engine';
import type { Registry } from 'prom-client';
import type { AppDeps } from './deps.js';

/**
 * The dashboard's money and cache figures: spend per key and model today and this month (the
 * request log, so every instance's calls), budget bars (the spend ledger), the response cache's
 * hit rate and fail-overs and stream rescues per provider (this instance's counters). Read from
 * the store at most every `refreshMs`, off the request path; a snapshot shows the last reading.
 */

export interface SpendLine {
  apiKeyId: string | null;
  provider: string;
  model: string;
  cost: number;
}

export interface BudgetBar {
  apiKeyId: string;
  name: string;
  period: 'day' | 'month' | 'total';
  limit: number;
  spent: number;
  alertAt: number | null;
}

export interface SpendFigures {
  today: SpendLine[];
  month: SpendLine[];
  budgets: BudgetBar[];
  /**
   * Response-cache hits / (hits + misses); 0 while no cache answers (`exai_cache_hits_total`,
   * `exai_cache_misses_total`).
   */
  cacheHitRate: number;
  /**
   * Per provider: requests that left it (`exai_failovers_total`), broken streams another target continued
   * (`exai_stream_resumptions_total`).
   */
  failovers: Record<string, number>;
  streamRescues: Record<string, number>;
}

export const emptySpend = (): SpendFigures => ({
  today: [],
  month: [],
  budgets: [],
  cacheHitRate: 0,
  failovers: {},
  streamRescues: {},
});

/** Sums of a counter by one label. */
async function byLabel(registry: Registry, name: string, label: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return {};
  const sums: Record<string, number> = {};
  for (const value of (await metric.get()).values) {
    const key = String(value.labels[label] ?? '');
    sums[key] = (sums[key] ?? 0) + value.value;
  }
  return sums;
}

const everyTenant = { owner: 'dashboard', admin: true } as const;

const lines = (rows: Awaited<ReturnType<AppDeps['store']['spendSummary']>>): SpendLine[] =>
  rows
    .filter((row) => row.cost > 0)
    .slice(0, 50)
    .map((row) => ({ apiKeyId: row.apiKeyId, provider: row.provider, model: row.model, cost: row.cost }));

export class SpendReader {
  readonly #deps: AppDeps;
  readonly #refreshMs: number;
  #figures: SpendFigures = emptySpend();
  #readAt = 0;
  #reading: Promise<SpendFigures> | undefined;

  constructor(deps: AppDeps, refreshMs = 2_000) {
    this.#deps = deps;
    this.#refreshMs = refreshMs;
  }

  /** The last reading; starts a new one when it is older than `refreshMs`. */
  current(): SpendFigures {
    if (Date.now() - this.#readAt > this.#refreshMs) void this.read().catch(() => undefined);
    return this.#figures;
  }

  /** A fresh reading (one at a time). */
  read(): Promise<SpendFigures> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<SpendFigures> {
    const { store, metrics, logger } = this.#deps;
    const now = Date.now();
    try {
      // The dashboard is for the gateway's admins (its routes need an admin key): every tenant's spend.
      const [today, month, keys, hitsByRoute, missesByRoute, failovers, streamRescues] = await Promise.all([
        store.spendSummary(everyTenant, { since: periodStart('day', now) }),
        store.spendSummary(everyTenant, { since: periodStart('month', now) }),
        store.listApiKeys({ limit: 100 }),
        byLabel(metrics.registry, 'exai_cache_hits_total', 'route'),
        byLabel(metrics.registry, 'exai_cache_misses_total', 'route'),
        byLabel(metrics.registry, 'exai_failovers_total', 'provider'),
        byLabel(metrics.registry, 'exai_stream_resumptions_total', 'provider'),
      ]);
      const budgets: BudgetBar[] = [];
      for (const key of keys) {
        if (!key.budget || key.revokedAt !== null) continue;
        const spent = await store.getSpend(key.id, budgetPeriod(key.budget.period, now).label);
        budgets.push({
          apiKeyId: key.id,
          name: key.name,
          period: key.budget.period,
          limit: key.budget.amount,
          spent,
          alertAt: key.budget.alertAt ?? null,
        });
      }
      const total = (byRoute: Record<string, number>) => Object.values(byRoute).reduce((sum, value) => sum + value, 0);
      const hits = total(hitsByRoute);
      const lookups = hits + total(missesByRoute);
      this.#figures = {
        today: lines(today),
        month: lines(month),
        budgets,
        cacheHitRate: lookups ? hits / lookups : 0,
        failovers,
        streamRescues,
      };
    } catch (error) {
      logger.warn({ err: error }, 'dashboard: could not read spend figures');
    }
    this.#readAt = Date.now();
    return this.#figures;
  }
}
