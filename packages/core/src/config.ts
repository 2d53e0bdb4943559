import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { extname, join } from 'node:path';
import { z } from 'zod';
import { parseSettings, type Settings, settingDoc } from './settings.js';

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

export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], source?: string) {
    const where = source ? ` in ${source}` : '';
    const lines = issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`);
    super(`Invalid configuration${where}:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Environment variables that hold each provider kind's key, first match wins. */
export const providerKeyEnv: Readonly<Record<Exclude<ProviderKind, 'openai-compatible'>, readonly string[]>> = {
  openai: ['OPENAI_API_KEY'],
  glm: ['GLM_API_KEY', 'ZAI_API_KEY', 'ZHIPUAI_API_KEY'],
  kimi: ['KIMI_API_KEY', 'MOONSHOT_API_KEY'],
  minimax: ['MINIMAX_API_KEY'],
};

export const providerBaseUrlEnv: Readonly<Record<Exclude<ProviderKind, 'openai-compatible'>, string>> = {
  openai: 'OPENAI_BASE_URL',
  glm: 'GLM_BASE_URL',
  kimi: 'KIMI_BASE_URL',
  minimax: 'MINIMAX_BASE_URL',
};

export type Env = Record<string, string | undefined>;

/** First non-empty value among the named environment variables. */
export function readEnv(env: Env, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

export interface LoadConfigOptions {
  env?: Env;
  /** Path of a JSON or YAML file; defaults to `EXAI_CONFIG` from the environment. */
  file?: string;
  /** An already-parsed object, used instead of a file. */
  input?: unknown;
}

/** Reads, merges and validates the configuration. Throws `ConfigError` naming every bad field. */
export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.EXAI_CONFIG;
  let raw: unknown = options.input ?? {};
  if (options.input === undefined && file) raw = readConfigFile(file);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(toIssues(parsed.error), file);
  const { settings, issues } = parseSettings(env);
  // The variables that override the file, named with the field they override: `EXAI_LOG_LEVEL (logLevel)`.
  const overrideIssues = issues.flatMap((issue) => {
    const field = settingDoc(issue.variable).overrides;
    return field ? [{ path: `${issue.variable} (${field})`, message: issue.message }] : [];
  });
  if (overrideIssues.length > 0) throw new ConfigError(overrideIssues, 'environment');
  const merged = configSchema.safeParse(applyEnv(parsed.data, env, settings));
  if (!merged.success) throw new ConfigError(toIssues(merged.error), 'environment');
  return merged.data;
}

/** `yaml` is loaded only when a YAML file is read: it costs ~40 ms at start-up otherwise. */
const requireLazily = createRequire(import.meta.url);
function parseYaml(text: string, options: { logLevel: 'error' }): unknown {
  return (requireLazily('yaml') as typeof import('yaml')).parse(text, options);
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { path: '', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}` },
    ]);
  }
  try {
    const extension = extname(file).toLowerCase();
    return extension === '.json' ? JSON.parse(text) : parseYaml(text, { logLevel: 'error' });
  } catch (error) {
    throw new ConfigError(
      [{ path: '', message: `not valid ${extname(file) || 'YAML'}: ${(error as Error).message.split('\n')[0]}` }],
      file,
    );
  }
}

function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** A key variable's value: one key, or several separated by commas (tried in order). */
export function splitKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

function withKeys(value: string): { apiKey: string; keys?: string[] } {
  const keys = splitKeys(value);
  return keys.length > 1 ? { apiKey: keys[0]!, keys } : { apiKey: keys[0] ?? value };
}

/**
 * Environment variables override the file: keys, base URLs, timeouts, store locations. `settings` holds
 * them parsed (see settings.ts); keys are read from `env` by name, since `apiKeyEnv` may name any variable.
 */
function applyEnv(config: GatewayConfig, env: Env, settings: Settings): GatewayConfig {
  const providers = { ...config.providers };
  for (const kind of Object.keys(providerKeyEnv) as Array<keyof typeof providerKeyEnv>) {
    const key = readEnv(env, providerKeyEnv[kind]);
    const baseURL = readEnv(env, [providerBaseUrlEnv[kind]]);
    const existing = providers[kind];
    if (!existing && !key) continue;
    // Validated with the rest below, so a bad value names its field (`providers.glm.baseURL`).
    providers[kind] = {
      ...(existing ?? { kind, enabled: true, models: [], weight: 1 }),
      ...(key && !existing?.apiKey && !existing?.keys ? withKeys(key) : {}),
      ...(baseURL ? { baseURL } : {}),
    };
  }
  for (const [name, provider] of Object.entries(providers)) {
    if (!provider.apiKey && !provider.keys && provider.apiKeyEnv) {
      const key = readEnv(env, [provider.apiKeyEnv]);
      if (key) providers[name] = { ...provider, ...withKeys(key) };
    }
  }
  const override = <T extends object>(base: T, values: Partial<Record<keyof T, number | undefined>>): T => {
    const result = { ...base };
    for (const [key, value] of Object.entries(values)) {
      if (value !== undefined) (result as Record<string, unknown>)[key] = value;
    }
    return result;
  };
  return {
    ...config,
    providers,
    defaultModel: settings.EXAI_DEFAULT_MODEL ?? config.defaultModel,
    logLevel: settings.EXAI_LOG_LEVEL ?? config.logLevel,
    timeouts: override(config.timeouts, {
      requestMs: settings.EXAI_REQUEST_TIMEOUT_MS,
      firstTokenMs: settings.EXAI_FIRST_TOKEN_TIMEOUT_MS,
      idleMs: settings.EXAI_IDLE_TIMEOUT_MS,
    }),
    breaker: override(config.breaker, {
      firstProbeMs: settings.EXAI_BREAKER_FIRST_PROBE_MS,
      resetTimeoutMs: settings.EXAI_BREAKER_MAX_PROBE_MS,
    }),
    concurrency: override(config.concurrency, {
      global: settings.EXAI_MAX_CONCURRENCY,
      perProvider: settings.EXAI_PROVIDER_CONCURRENCY,
      maxQueue: settings.EXAI_MAX_QUEUE,
    }),
    store: {
      ...config.store,
      dataDir: settings.EXAI_DATA_DIR ?? config.store.dataDir,
      databaseUrl: settings.DATABASE_URL ?? config.store.databaseUrl,
      redisUrl: settings.REDIS_URL ?? config.store.redisUrl,
      redisPrefix: settings.EXAI_REDIS_PREFIX ?? config.store.redisPrefix,
      requestLogRetentionDays: settings.EXAI_REQUEST_LOG_RETENTION_DAYS ?? config.store.requestLogRetentionDays,
    },
    cache: {
      ...config.cache,
      ...(settings.EXAI_CACHE_ROUTES.length > 0 ? { routes: settings.EXAI_CACHE_ROUTES } : {}),
      ...(settings.EXAI_CACHE_KEYS.length > 0 ? { keys: settings.EXAI_CACHE_KEYS } : {}),
      ttlMs: settings.EXAI_CACHE_TTL_MS ?? config.cache.ttlMs,
      maxEntryBytes: settings.EXAI_CACHE_MAX_BYTES ?? config.cache.maxEntryBytes,
      anyTemperature: settings.EXAI_CACHE_ANY_TEMPERATURE || config.cache.anyTemperature,
    },
  };
}
