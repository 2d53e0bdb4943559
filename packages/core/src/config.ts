import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { z } from 'zod';
import { configSchema, type GatewayConfig, type ProviderKind } from './config-schema.js';
import { parseSettings, type Settings, settingDoc } from './settings.js';

export {
  configSchema,
  defaultModelMap,
  type GatewayConfig,
  type GatewayConfigInput,
  type ModelOverride,
  type ProviderConfig,
  type ProviderKind,
  providerConfigSchema,
  providerKinds,
} from './config-schema.js';

/** Reading the configuration (the schema is config-schema.ts): the file, then the environment. */

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
