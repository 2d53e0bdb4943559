import { type ModelInfo, NotFoundError } from '@exai/core';
import { toAnthropicModel, toAnthropicModelList } from '../anthropic/mapping.js';
import type { App, AppDeps } from '../deps.js';

/** OpenAI's model object plus the gateway's details. */
function toModel(info: ModelInfo) {
  return {
    id: info.id,
    object: 'model' as const,
    created: 0,
    owned_by: info.provider,
    exai: {
      provider: info.provider,
      context_window: info.contextWindow,
      max_output: info.maxOutput,
      capabilities: info.capabilities,
      ...(info.aliases?.length ? { aliases: info.aliases } : {}),
      ...(info.tier ? { tier: info.tier } : {}),
      simulated: info.simulated === true,
    },
  };
}

export function mountModels(app: App, deps: AppDeps, cacheMs: number): void {
  let cached: { until: number; models: Promise<ModelInfo[]> } | undefined;
  const models = (): Promise<ModelInfo[]> => {
    if (cached && cached.until > Date.now()) return cached.models;
    const pending = deps.engine.listModels({ signal: AbortSignal.timeout(10_000) });
    cached = { until: Date.now() + cacheMs, models: pending };
    pending.catch(() => {
      cached = undefined;
    });
    return pending;
  };

  // Anthropic's clients say who they are with `anthropic-version`; they get Anthropic's list shape.
  app.get('/v1/models', async (request) => {
    const list = await models();
    return request.headers['anthropic-version'] !== undefined
      ? toAnthropicModelList(list)
      : { object: 'list', data: list.map(toModel) };
  });

  app.get<{ Params: { '*': string } }>('/v1/models/*', async (request) => {
    const id = request.params['*'];
    const list = await models();
    const found = list.find(
      (info) => info.id === id || `${info.provider}/${info.id}` === id || info.aliases?.includes(id),
    );
    if (!found) throw new NotFoundError({ message: `The model '${id}' does not exist`, param: 'model' });
    return request.headers['anthropic-version'] !== undefined ? toAnthropicModel(found) : toModel(found);
  });
}
