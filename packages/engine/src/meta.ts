import type { EngineMeta } from './engine-types.js';
import type { Target } from './resolve.js';
import type { RouteState } from './route-types.js';

function answeredBy(state: RouteState): string | undefined {
  const last = state.attempts.at(-1);
  return last?.outcome === 'ok' ? `${last.provider}/${last.model}` : undefined;
}

/** What a call tells its caller about its route: who answered, every attempt, whether it fell back. */
export function metaOf(requestId: string, state: RouteState, chain: readonly Target[], simulated: boolean): EngineMeta {
  const first = chain[0];
  const answered = answeredBy(state);
  return {
    requestId,
    provider: state.provider ?? first?.provider ?? '',
    model: state.model ?? first?.model ?? '',
    attempts: state.attempts,
    // Which target answered is in the attempts (the response's own model name may differ
    // from the id we asked for, e.g. a provider that reports a dated snapshot).
    fellBack: answered !== undefined && answered !== (first ? `${first.provider}/${first.model}` : undefined),
    simulated,
    ...(state.usage ? { usage: state.usage } : {}),
    ...(state.resumed?.length ? { resumed: state.resumed } : {}),
  };
}

/** The meta of a call before it has a route (filled in as it runs). */
export function blankMeta(requestId: string, simulated: boolean, state: RouteState = { attempts: [] }): EngineMeta {
  return { requestId, provider: '', model: '', attempts: state.attempts, fellBack: false, simulated };
}
