import {
  type GatewayConfig,
  type GatewayError,
  type ModelInfo,
  NotFoundError,
  ownValue,
  type ProviderAdapter,
} from '@exai/core';

/** One concrete place a request can go: a provider instance and a model id it serves. */
export interface Target {
  provider: string;
  model: string;
  info: ModelInfo;
  adapter: ProviderAdapter;
}

export type TaskCategory = 'fast' | 'balanced' | 'deep';

export interface AutoRequirements {
  category?: TaskCategory;
  tools?: boolean;
  vision?: boolean;
  thinking?: boolean;
  webSearch?: boolean;
  files?: boolean;
  /** Prompt size the model must hold. */
  minContext?: number;
}

const tierOrder: Record<TaskCategory, readonly TaskCategory[]> = {
  fast: ['fast', 'balanced', 'deep'],
  balanced: ['balanced', 'deep', 'fast'],
  deep: ['deep', 'balanced', 'fast'],
};

/**
 * Turns what a caller wrote (`provider/model`, a bare id, an alias, or `auto`) into targets.
 * Several providers may serve one model id; all of them are returned, heaviest weight first
 * after a weighted shuffle, so traffic is balanced and a fallback is at hand.
 */
export class ModelResolver {
  readonly #adapters: Map<string, ProviderAdapter>;
  readonly #config: GatewayConfig;
  readonly #allowed: Set<string> | undefined;
  readonly #random: () => number;
  readonly #adapterList: readonly ProviderAdapter[];
  /** Per adapter, its catalog ids by id and by alias (catalog order), read on first use: no catalog copy per call. */
  #names: ReadonlyArray<{ adapter: ProviderAdapter; ids: Map<string, string[]> }> | undefined;

  constructor(adapters: readonly ProviderAdapter[], config: GatewayConfig, random: () => number = Math.random) {
    this.#adapters = new Map(adapters.map((adapter) => [adapter.id, adapter]));
    this.#config = config;
    this.#allowed = config.allowedModels ? new Set(config.allowedModels) : undefined;
    this.#random = random;
    this.#adapterList = [...this.#adapters.values()];
  }

  get adapters(): ProviderAdapter[] {
    return [...this.#adapterList];
  }

  /** An adapter's catalog is fixed by its configuration, so its names are read once. */
  #catalogNames(): ReadonlyArray<{ adapter: ProviderAdapter; ids: Map<string, string[]> }> {
    this.#names ??= this.#adapterList.map((adapter) => {
      const ids = new Map<string, string[]>();
      for (const info of adapter.catalog()) {
        for (const name of new Set([info.id, ...(info.aliases ?? [])])) {
          const list = ids.get(name);
          if (list) list.push(info.id);
          else ids.set(name, [info.id]);
        }
      }
      return { adapter, ids };
    });
    return this.#names;
  }

  adapter(id: string): ProviderAdapter | undefined {
    return this.#adapters.get(id);
  }

  /** Every catalog model of every provider, allow-list applied. */
  catalog(): ModelInfo[] {
    return this.adapters.flatMap((adapter) => adapter.catalog().filter((info) => this.#isAllowed(adapter.id, info.id)));
  }

  /** Targets for one name, or a NotFoundError listing what is available. */
  resolve(name: string, requirements: AutoRequirements = {}): Target[] {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed === 'auto') return this.auto(requirements);
    const aliased = ownValue(this.#config.aliases, trimmed) ?? trimmed;
    if (aliased !== trimmed) return this.resolve(aliased, requirements);

    const slash = aliased.indexOf('/');
    if (slash > 0) {
      const adapter = this.#adapters.get(aliased.slice(0, slash));
      if (adapter) return this.#only([this.#target(adapter, aliased.slice(slash + 1))], aliased);
    }
    const known = this.#catalogNames().flatMap(({ adapter, ids }) =>
      (ids.get(aliased) ?? []).map((id) => this.#target(adapter, id)),
    );
    if (known.length > 0) return this.#only(this.#weighted(known), aliased);
    // A model the catalogs lack still resolves when exactly one provider could serve it by its
    // id's prefix (glm-*, kimi-*/moonshot-*, MiniMax-*, gpt-*/o*), passed through with defaults.
    const guessed = this.#adapterList.filter((adapter) => guessKind(aliased) === adapter.kind);
    if (guessed.length > 0)
      return this.#only(this.#weighted(guessed.map((adapter) => this.#target(adapter, aliased))), aliased);
    throw this.#unknown(aliased);
  }

  /** `auto`: the best catalog model for the category that has every required capability. */
  auto(requirements: AutoRequirements = {}): Target[] {
    const category = requirements.category ?? 'balanced';
    const candidates = this.adapters.flatMap((adapter) =>
      adapter
        .catalog()
        .filter((info) => this.#isAllowed(adapter.id, info.id) && meets(info, requirements))
        .map((info) => this.#target(adapter, info.id)),
    );
    if (candidates.length === 0) throw this.#unknown('auto', 'no configured model meets the requirements');
    const order = tierOrder[category];
    const rank = (target: Target) => {
      const index = order.indexOf(target.info.tier ?? 'balanced');
      return index === -1 ? order.length : index;
    };
    const shuffled = this.#weighted(candidates);
    return shuffled.sort(
      (left, right) => rank(left) - rank(right) || right.info.contextWindow - left.info.contextWindow,
    );
  }

  #target(adapter: ProviderAdapter, model: string): Target {
    const info = adapter.resolveModel(model);
    return { provider: adapter.id, model: info.id, info, adapter };
  }

  #isAllowed(provider: string, model: string): boolean {
    return !this.#allowed || this.#allowed.has(model) || this.#allowed.has(`${provider}/${model}`);
  }

  #only(targets: Target[], name: string): Target[] {
    const allowed = targets.filter((target) => this.#isAllowed(target.provider, target.model));
    if (allowed.length === 0) throw this.#unknown(name, 'not in the allowed models');
    return allowed;
  }

  #weighted(targets: Target[]): Target[] {
    if (targets.length < 2) return targets;
    const weight = (target: Target) => ownValue(this.#config.providers, target.provider)?.weight ?? 1;
    // Weighted random order (Efraimidis–Spirakis): key = u^(1/w), largest first.
    return targets
      .map((target) => ({ target, key: this.#random() ** (1 / weight(target)) }))
      .sort((left, right) => right.key - left.key)
      .map((entry) => entry.target);
  }

  #unknown(name: string, why = 'unknown model'): GatewayError {
    const available = this.catalog()
      .slice(0, 40)
      .map((info) => `${info.provider}/${info.id}`);
    const aliases = Object.keys(this.#config.aliases);
    const list = [...available, ...aliases].join(', ') || 'none (no provider is configured)';
    return new NotFoundError({ message: `Model '${name}': ${why}. Available: ${list}`, param: 'model', model: name });
  }
}

function meets(info: ModelInfo, requirements: AutoRequirements): boolean {
  const capabilities = info.capabilities;
  if (capabilities.embeddings) return false; // an embedding model never answers a chat
  if (requirements.tools && !capabilities.tools) return false;
  if (requirements.vision && !capabilities.vision) return false;
  if (requirements.thinking && !capabilities.thinking) return false;
  if (requirements.webSearch && !capabilities.webSearch) return false;
  if (requirements.files && !capabilities.files) return false;
  if (requirements.minContext && info.contextWindow < requirements.minContext) return false;
  return true;
}

function guessKind(model: string): string | undefined {
  const lower = model.toLowerCase();
  if (lower.startsWith('glm-') || lower.startsWith('glm')) return 'glm';
  if (lower.startsWith('kimi') || lower.startsWith('moonshot')) return 'kimi';
  if (lower.startsWith('minimax')) return 'minimax';
  if (/^(gpt-|o\d|chatgpt|text-embedding)/.test(lower)) return 'openai';
  return undefined;
}
