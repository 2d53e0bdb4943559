/** API keys as a product (policy, budget) and their spend: the types of api-keys.ts and spend.ts. */

export type BudgetPeriod = 'day' | 'month' | 'total';

/** A spending cap: `amount` (USD) per UTC day, per UTC month, or in total. */
export interface KeyBudget {
  amount: number;
  period: BudgetPeriod;
  /** Fraction of `amount` (0..1) past which the gateway warns (log line, `exai.budget.alert`). */
  alertAt?: number;
}

/** What a key may do, beyond being valid. Every field optional: left out, the gateway default holds. */
export interface ApiKeyPolicy {
  /** The tenant the key belongs to: its threads, files and keys. Default: the key's own id. */
  owner?: string;
  /** Requests per minute allowed for this key; the gateway default when left out. */
  rateLimit?: number;
  tokensPerMinute?: number;
  /** Model names (as requested, or the catalog ids they resolve to) this key may call; every model when left out. */
  models?: string[];
  budget?: KeyBudget;
  /** May manage the keys of its own tenant (`/v1/admin/keys`); nothing else admin. */
  admin?: boolean;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
  /** Requests per minute allowed for this key; null for the gateway default. */
  rateLimit: number | null;
  owner: string | null;
  models: string[] | null;
  tokensPerMinute: number | null;
  budget: KeyBudget | null;
  admin: boolean;
}

/** A key's spend in one budget period (`day:2026-12-02`, `month:2026-12`, `total`). */
export interface SpendReservation {
  allowed: boolean;
  /** Spent (and reserved by calls in flight) so far in the period, after this reservation when allowed. */
  spent: number;
}

/** Cost summed per key, provider and model over a time window (from the request log). */
export interface SpendRow {
  apiKeyId: string | null;
  provider: string;
  model: string;
  cost: number;
  attempts: number;
  /** Cached prompt tokens over the window. */
  cachedTokens: number;
}

export interface CreatedApiKey {
  id: string;
  /** The secret: returned once, stored only as a SHA-256 hash. */
  key: string;
}
