import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The gateway's configuration: one zod schema, read from an optional JSON or YAML file and
 * then overridden by environment variables. Every field has a default, so an empty config
 * is a working one.
 */

export const providerKinds = ['openai', 'glm', 'kimi', 'minimax', 'openai-compatible'] as const;
export type ProviderKind = (typeof providerKinds)[number];

const modelOverrideSchema = z.object({
  id: z.string().min(1),
  contextWindow: z.number().int().positive().optional(),
  maxOutput: z.number().int().positive().optional(),
  aliases: z.array(z.string()).optional(),
  tier: z.enum(['fast', 'balanced', 'deep']).optional(),
  /** The model continues a final assistant message (prefill); see `ModelInfo.prefill`. */
  prefill: z.boolean().optional(),
  /** This model's first-token limit for streams, overriding its tier's. */
  firstTokenMs: z.number().int().positive().optional(),
  capabilities: z
    .object({
      tools: z.boolean(),
      vision: z.boolean(),
      thinking: z.boolean(),
      streaming: z.boolean(),
      webSearch: z.boolean(),
      files: z.boolean(),
    })
    .partial()
    .optional(),
  /** Prices per million tokens; replaces the catalog's for this model. */
  pricing: z
    .object({
      input: z.number().min(0),
      cachedInput: z.number().min(0).optional(),
      output: z.number().min(0),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .default('USD'),
    })
    .optional(),
});

export const providerConfigSchema = z.object({
  kind: z.enum(providerKinds),
  enabled: z.boolean().default(true),
  baseURL: z.string().url().optional(),
  /** The key itself. Prefer `apiKeyEnv` in files that are committed anywhere. */
  apiKey: z.string().min(1).optional(),
  /** The name of the environment variable holding the key (several keys: comma-separated). */
  apiKeyEnv: z.string().min(1).optional(),
  /**
   * Several keys for this provider, tried in order: a key the provider rejects (revoked, out of
   * balance) is held out for `breaker.credentialHoldMs` and the next one serves. Environment
   * variables with comma-separated keys fill this too.
   */
  keys: z.array(z.string().min(1)).optional(),
  region: z.enum(['international', 'mainland', 'coding']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Models beyond (or overriding) the built-in catalog. */
  models: z.array(modelOverrideSchema).default([]),
  /** Relative weight when several providers serve one model. */
  weight: z.number().positive().default(1),
  maxConcurrency: z.number().int().positive().optional(),
});

const timeoutsSchema = z.object({
  requestMs: z.number().int().positive().default(120_000),
  /** One non-streaming attempt; streams are bounded by firstTokenMs and idleMs instead. */
  attemptMs: z.number().int().positive().default(60_000),
  /**
   * A stream's first content, for every model. Unset by default: then a route's or model's own
   * `firstTokenMs` applies, else the model's tier (`firstTokenByTierMs`).
   */
  firstTokenMs: z.number().int().positive().optional(),
  /** The first-token limit by catalog tier: fast models fail over soon, deep-reasoning ones may think long. */
  firstTokenByTierMs: z
    .object({
      fast: z.number().int().positive().default(10_000),
      balanced: z.number().int().positive().default(30_000),
      deep: z.number().int().positive().default(120_000),
    })
    .default({ fast: 10_000, balanced: 30_000, deep: 120_000 }),
  idleMs: z.number().int().positive().default(30_000),
  toolMs: z.number().int().positive().default(60_000),
});

const retrySchema = z.object({
  maxAttempts: z.number().int().min(1).max(10).default(3),
  baseDelayMs: z.number().int().min(0).default(250),
  maxDelayMs: z.number().int().min(0).default(8_000),
  maxRetryAfterMs: z.number().int().min(0).default(30_000),
  budgetMs: z.number().int().positive().default(60_000),
  /** Attempts across every target of one request. */
  maxAttemptsPerRequest: z.number().int().min(1).max(20).default(6),
  /** Retries may add at most this share of first attempts per provider in a 10 s window. */
  budgetRatio: z.number().min(0).max(1).default(0.2),
});

const breakerSchema = z.object({
  volumeThreshold: z.number().int().min(1).default(5),
  errorThresholdPercentage: z.number().min(1).max(100).default(50),
  rollingWindowMs: z.number().int().positive().default(30_000),
  /**
   * The longest wait between half-open probes; the first comes after `firstProbeMs` and each failed probe doubles it.
   */
  resetTimeoutMs: z.number().int().positive().default(15_000),
  /** The wait before the first half-open probe after a breaker opens (then doubling up to `resetTimeoutMs`). */
  firstProbeMs: z.number().int().positive().default(1_000),
  /**
   * How long a provider key that the provider rejected (401/403, billing or balance codes) is held
   * out before one request re-checks it. Shared across instances through Redis. Default 5 minutes.
   */
  credentialHoldMs: z.number().int().positive().default(300_000),
});

const concurrencySchema = z.object({
  global: z.number().int().positive().default(256),
  perProvider: z.number().int().positive().default(16),
  perConversation: z.number().int().positive().default(1),
  maxQueue: z.number().int().min(0).default(1_000),
});

const storeSchema = z.object({
  dataDir: z.string().default(join(homedir(), '.exai')),
  databaseUrl: z.string().optional(),
  redisUrl: z.string().optional(),
  /** Prefix of every key written to Redis, so several gateways (or tests) can share one server. */
  redisPrefix: z.string().min(1).default('exai:'),
  threadTtlMs: z
    .number()
    .int()
    .positive()
    .default(3 * 24 * 3600_000),
  maxTurns: z.number().int().positive().default(50),
  /** Days the request log (requests and attempts) is kept; 0 keeps it forever. `EXAI_REQUEST_LOG_RETENTION_DAYS`. */
  requestLogRetentionDays: z.number().int().min(0).default(30),
  /** How often expired threads and old request-log rows are purged (jittered ±25%); 0 turns it off. */
  maintenanceIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
});

/**
 * The exact response cache (docs/decisions/0024-response-cache-and-tracing.md): opt-in per route or per
 * caller key; an answer is reused only for the same caller and the same normalised request.
 */
const cacheSchema = z.object({
  /** Route labels whose calls are cached (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`); `*` every route. */
  routes: z.array(z.string().min(1)).default([]),
  /** Caller key ids whose calls are cached (`key:<hash>` for configured keys, a stored key's id); `*` every key. */
  keys: z.array(z.string().min(1)).default([]),
  /** How long an answer is reused. */
  ttlMs: z.number().int().positive().default(3_600_000),
  /** Answers (or streams) larger than this, serialised, are not stored. */
  maxEntryBytes: z.number().int().positive().default(1_048_576),
  /** Also cache requests whose temperature is above 0 or unset (the provider's default is above 0). Off by default. */
  anyTemperature: z.boolean().default(false),
});

/**
 * Claude Code's families (`claude-sonnet-4-5`, `claude-3-5-haiku-latest`, ...) onto GLM, Kimi and MiniMax, each with
 * the other two behind it.
 */
export const defaultModelMap: Readonly<Record<string, string[]>> = {
  'claude-*opus*': ['kimi', 'glm', 'minimax'],
  'claude-*sonnet*': ['glm', 'kimi', 'minimax'],
  'claude-*haiku*': ['glm-flash', 'kimi-turbo', 'minimax'],
  'claude-*': ['glm', 'kimi', 'minimax'],
};

export const configSchema = z.object({
  providers: z.record(z.string(), providerConfigSchema).default({}),
  aliases: z.record(z.string(), z.string()).default({}),
  fallbacks: z.record(z.string(), z.array(z.string())).default({}),
  /**
   * Model names clients send that no provider serves (Claude Code's `claude-*` ids), as globs
   * (`*` any run of characters) → a route: one name or an ordered fail-over list of names (ids,
   * aliases, `provider/model`, `auto`). First matching glob wins, in the order written; names of
   * a list that no configured provider serves are skipped. Replaced whole when configured.
   */
  modelMap: z
    .record(z.string().min(1), z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(16)]))
    .default(() => ({ ...defaultModelMap })),
  /** Hedging per model or alias: start the next target after this many ms without a first token. Off by default. */
  hedging: z.record(z.string(), z.number().int().positive()).default({}),
  /**
   * Per route: options for requests naming this model or alias (`provider/model` too). `resume: false`
   * ends a broken text stream with the in-band error instead of continuing it on the next target;
   * `firstTokenMs` is the first-token limit of its streams (over the model's and the tier's).
   */
  routes: z
    .record(
      z.string(),
      z.object({ resume: z.boolean().optional(), firstTokenMs: z.number().int().positive().optional() }).strict(),
    )
    .default({}),
  allowedModels: z.array(z.string()).optional(),
  defaultModel: z.string().default('auto'),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  retry: retrySchema.default(retrySchema.parse({})),
  breaker: breakerSchema.default(breakerSchema.parse({})),
  concurrency: concurrencySchema.default(concurrencySchema.parse({})),
  store: storeSchema.default(storeSchema.parse({})),
  cache: cacheSchema.default(cacheSchema.parse({})),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type ModelOverride = z.infer<typeof modelOverrideSchema>;
export type GatewayConfigInput = z.input<typeof configSchema>;
