import { BadRequestError, type EmbeddingRequest, type EmbeddingResponse, type ModelInfo } from '@exai/core';
import type { Target } from './resolve.js';
import type { RouteOptions, RouteState } from './route-types.js';
import { attemptOn, type RouterDeps, record, walkCall } from './router.js';

/** A target that can embed: its provider has an embeddings API and the model is not a known chat model. */
const embeds = (target: Target): boolean =>
  target.adapter.embed !== undefined && (target.info.inferred === true || target.info.capabilities.embeddings === true);

/**
 * The targets of the chain that can embed. None is the caller's mistake: a 400 naming the models that can,
 * so the answer says what to ask for instead.
 */
export function embeddingTargets(chain: readonly Target[], model: string, catalog: readonly ModelInfo[]): Target[] {
  const targets = chain.filter(embeds);
  if (targets.length > 0) return targets;
  const embedding = catalog.filter((info) => info.capabilities.embeddings === true);
  const names = embedding.map((info) => `${info.id} (${info.provider})`).join(', ');
  throw new BadRequestError({
    message: `Model '${model.slice(0, 200)}' cannot embed; ${
      names ? `models that can: ${names}` : 'no configured provider has an embeddings API (OpenAI and GLM do)'
    }`,
    param: 'model',
  });
}

/** An embeddings request over the chain: the chat path's retries, fail-over, breakers and sessions. */
export function routeEmbeddings(
  chain: readonly Target[],
  request: EmbeddingRequest,
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState,
): Promise<EmbeddingResponse> {
  return walkCall(chain, deps, options, state, async (target, signal, remainingMs, clock) => {
    // Embedding options carry no conversation, so the attempt has none either.
    const response = await attemptOn(deps, options, target, signal, remainingMs, (call) =>
      target.adapter.embed!({ ...request, model: target.model }, call),
    );
    const usage = { ...response.usage, completion_tokens: 0 };
    record(state, target, undefined, clock.startedAt, clock.now(), { usage });
    state.provider = response.provider;
    state.model = response.model;
    state.usage = usage;
    return response;
  });
}
