import type { Logger, ModelInfo, ProviderAdapter } from '@exai/core';

export interface ListModelsOptions {
  signal?: AbortSignal;
  /** `false`: the catalogs only, no provider's `/models`. */
  remote?: boolean;
}

/** Every provider's models: its `/models` (its catalog when that fails), simulated ones flagged. */
export async function listModels(
  adapters: readonly ProviderAdapter[],
  simulated: boolean,
  logger: Logger,
  options: ListModelsOptions = {},
): Promise<ModelInfo[]> {
  const lists = await Promise.all(
    adapters.map(async (adapter) => {
      if (options.remote === false) return adapter.catalog();
      try {
        return await adapter.listModels(options.signal ? { signal: options.signal } : {});
      } catch (error) {
        logger.warn({ provider: adapter.id, err: error }, 'listing models failed; using the catalog');
        return adapter.catalog();
      }
    }),
  );
  return lists.flat().map((info) => (simulated ? { ...info, simulated: true } : info));
}
