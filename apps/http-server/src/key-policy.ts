import { budgetPeriod } from '@exai/engine';
import type { ApiKeyPolicy, ApiKeyRecord, Store } from '@exai/store';
import { z } from 'zod';

/**
 * One description of a key's policy for both ways of managing keys (the `exai-http keys` CLI and
 * `/v1/admin/keys`): the input schema, and the view each prints or returns. Secrets never appear
 * in a view; the key itself is shown once, by whoever created it.
 */

export const keyPolicySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  owner: z.string().trim().min(1).max(100).optional(),
  models: z.array(z.string().trim().min(1).max(200)).min(1).max(100).optional(),
  requests_per_minute: z.number().int().positive().max(1_000_000).optional(),
  tokens_per_minute: z.number().int().positive().max(1_000_000_000).optional(),
  budget: z
    .strictObject({
      amount: z.number().positive().max(1_000_000_000),
      period: z.enum(['day', 'month', 'total']).default('month'),
      alert_at: z.number().gt(0).max(1).optional(),
    })
    .optional(),
  admin: z.boolean().optional(),
});

export type KeyPolicyInput = z.infer<typeof keyPolicySchema>;

export function toPolicy(input: KeyPolicyInput): ApiKeyPolicy {
  return {
    ...(input.owner ? { owner: input.owner } : {}),
    ...(input.models ? { models: input.models } : {}),
    ...(input.requests_per_minute ? { rateLimit: input.requests_per_minute } : {}),
    ...(input.tokens_per_minute ? { tokensPerMinute: input.tokens_per_minute } : {}),
    ...(input.budget
      ? {
          budget: {
            amount: input.budget.amount,
            period: input.budget.period,
            ...(input.budget.alert_at ? { alertAt: input.budget.alert_at } : {}),
          },
        }
      : {}),
    ...(input.admin ? { admin: true } : {}),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A key as the admin API returns it and the CLI prints it, with its budget's spend so far. */
export async function keyView(record: ApiKeyRecord, store: Store, now = Date.now()) {
  let budget = null;
  if (record.budget) {
    const period = budgetPeriod(record.budget.period, now);
    budget = {
      amount: record.budget.amount,
      period: record.budget.period,
      alert_at: record.budget.alertAt ?? null,
      spent: await store.getSpend(record.id, period.label),
      reset_at: iso(period.resetAt),
    };
  }
  return {
    id: record.id,
    object: 'api_key' as const,
    name: record.name,
    owner: record.owner,
    created_at: iso(record.createdAt),
    revoked_at: iso(record.revokedAt),
    models: record.models,
    requests_per_minute: record.rateLimit,
    tokens_per_minute: record.tokensPerMinute,
    budget,
    admin: record.admin,
  };
}
