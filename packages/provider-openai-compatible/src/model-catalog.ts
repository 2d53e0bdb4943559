import type { ModelCapabilities, ModelInfo, ModelOverride, ModelPricing, ProviderId } from '@exai/core';

/** A catalog entry as written in a JSON file: `provider` and most capabilities may be left out. */
export interface ModelCatalogEntry {
  id: string;
  provider?: ProviderId;
  contextWindow?: number;
  maxOutput?: number;
  capabilities?: Partial<ModelCapabilities>;
  aliases?: string[];
  tier?: ModelInfo['tier'];
  prefill?: boolean;
  firstTokenMs?: number;
  description?: string;
  simulated?: boolean;
  pricing?: ModelPricing;
}

export interface ModelCatalogOptions {
  /** Provider id stamped on every entry that does not name one. Default `''`. */
  provider?: ProviderId;
}

export interface ModelCatalog {
  /** Catalog lookup by id or alias; an unknown id is passed through with conservative defaults (`inferred: true`). */
  resolve(idOrAlias: string): ModelInfo;
  /** True when the id or alias is in the catalog (not inferred). */
  has(idOrAlias: string): boolean;
  /** Every catalog entry, in file order, overrides applied. */
  list(): ModelInfo[];
  /** Alias → model id. */
  aliases(): Record<string, string>;
  /** A new catalog with these overrides applied (add or change entries). */
  withOverrides(overrides: readonly ModelOverride[]): ModelCatalog;
  /** A new catalog whose entries all report this provider id. */
  withProvider(provider: ProviderId): ModelCatalog;
}

/** What an unknown model gets: context 32k, output 4k, streaming and tools on, everything else off. */
export const CONSERVATIVE_DEFAULTS = {
  contextWindow: 32_768,
  maxOutput: 4_096,
  capabilities: {
    tools: true,
    vision: false,
    thinking: false,
    streaming: true,
    webSearch: false,
    files: false,
  } satisfies ModelCapabilities,
} as const;

function toModelInfo(entry: ModelCatalogEntry, provider: ProviderId): ModelInfo {
  const info: ModelInfo = {
    id: entry.id,
    provider: entry.provider ?? provider,
    contextWindow: entry.contextWindow ?? CONSERVATIVE_DEFAULTS.contextWindow,
    maxOutput: entry.maxOutput ?? CONSERVATIVE_DEFAULTS.maxOutput,
    capabilities: { ...CONSERVATIVE_DEFAULTS.capabilities, ...entry.capabilities },
  };
  if (entry.aliases?.length) info.aliases = [...entry.aliases];
  if (entry.tier) info.tier = entry.tier;
  if (entry.prefill !== undefined) info.prefill = entry.prefill;
  if (entry.firstTokenMs !== undefined) info.firstTokenMs = entry.firstTokenMs;
  if (entry.description) info.description = entry.description;
  if (entry.simulated) info.simulated = true;
  if (entry.pricing) info.pricing = { ...entry.pricing };
  return info;
}

function applyOverride(entries: ModelCatalogEntry[], override: ModelOverride): ModelCatalogEntry[] {
  const index = entries.findIndex((entry) => entry.id === override.id);
  const base: ModelCatalogEntry = index >= 0 ? entries[index]! : { id: override.id };
  const merged: ModelCatalogEntry = {
    ...base,
    ...(override.contextWindow !== undefined ? { contextWindow: override.contextWindow } : {}),
    ...(override.maxOutput !== undefined ? { maxOutput: override.maxOutput } : {}),
    ...(override.tier !== undefined ? { tier: override.tier } : {}),
    ...(override.prefill !== undefined ? { prefill: override.prefill } : {}),
    ...(override.firstTokenMs !== undefined ? { firstTokenMs: override.firstTokenMs } : {}),
    ...(override.aliases !== undefined ? { aliases: override.aliases } : {}),
    ...(override.pricing !== undefined ? { pricing: override.pricing } : {}),
    capabilities: { ...base.capabilities, ...override.capabilities },
  };
  if (index < 0) return [...entries, merged];
  return entries.map((entry, position) => (position === index ? merged : entry));
}

/**
 * A model catalog as data: entries (usually a JSON file) plus config overrides.
 * Aliases resolve exactly first, then case-insensitively. Later overrides win; an override's
 * alias takes precedence over a catalog alias of the same name.
 */
export function createModelCatalog(
  entries: readonly ModelCatalogEntry[],
  overrides: readonly ModelOverride[] = [],
  options: ModelCatalogOptions = {},
): ModelCatalog {
  const provider = options.provider ?? '';
  let merged: ModelCatalogEntry[] = entries.map((entry) => ({ ...entry }));
  for (const override of overrides) merged = applyOverride(merged, override);

  const models = merged.map((entry) => toModelInfo(entry, provider));
  const byId = new Map<string, ModelInfo>();
  const aliasToId = new Map<string, string>();
  for (const model of models) byId.set(model.id, model);
  for (const model of models) {
    for (const alias of model.aliases ?? []) if (!byId.has(alias)) aliasToId.set(alias, model.id);
  }
  // Overrides' aliases win over catalog aliases.
  for (const override of overrides) for (const alias of override.aliases ?? []) aliasToId.set(alias, override.id);

  const lowerCase = new Map<string, string>();
  for (const id of byId.keys()) lowerCase.set(id.toLowerCase(), id);
  for (const [alias, id] of aliasToId) if (!lowerCase.has(alias.toLowerCase())) lowerCase.set(alias.toLowerCase(), id);

  const lookup = (idOrAlias: string): ModelInfo | undefined => {
    const direct = byId.get(idOrAlias) ?? byId.get(aliasToId.get(idOrAlias) ?? '');
    if (direct) return direct;
    const folded = lowerCase.get(idOrAlias.toLowerCase());
    return folded === undefined ? undefined : byId.get(folded);
  };

  const copy = (model: ModelInfo): ModelInfo => ({
    ...model,
    capabilities: { ...model.capabilities },
    ...(model.aliases ? { aliases: [...model.aliases] } : {}),
  });

  return {
    resolve(idOrAlias) {
      const found = lookup(idOrAlias);
      if (found) return copy(found);
      return {
        id: idOrAlias,
        provider,
        contextWindow: CONSERVATIVE_DEFAULTS.contextWindow,
        maxOutput: CONSERVATIVE_DEFAULTS.maxOutput,
        capabilities: { ...CONSERVATIVE_DEFAULTS.capabilities },
        inferred: true,
      };
    },
    has: (idOrAlias) => lookup(idOrAlias) !== undefined,
    list: () => models.map(copy),
    aliases: () => Object.fromEntries(aliasToId),
    withOverrides: (more) => createModelCatalog(entries, [...overrides, ...more], options),
    withProvider: (id) =>
      createModelCatalog(
        entries.map((entry) => ({ ...entry, provider: id })),
        overrides,
        { ...options, provider: id },
      ),
  };
}
