import { randomUUID } from 'node:crypto';
import { assertProviderOptions, type ChatRequest, NotFoundError, type Turn } from '@exai/core';
import type { Store } from '@exai/store';
import type { CallCache } from './cache.js';
import type { Affinity } from './chain.js';
import type { EngineCallOptions } from './engine-types.js';
import { scopeOf, withHistory } from './memory.js';
import type { Target } from './resolve.js';
import type { Admission } from './spend.js';

export interface PrepareParts {
  store: Store;
  maxTurns: number;
  cache: CallCache;
  chain(request: ChatRequest, options: EngineCallOptions, prefer?: string | Affinity | null): Target[];
  /**
   * Where a continued thread prefers to stay (its provider, or its model while the provider's cache makes it cheaper).
   */
  affinity(
    thread: { id: string; provider?: string | null; model?: string | null },
    turns: Turn[],
  ): Affinity | string | null;
  /** The caller key's policy (allowed models, budget reservation); undefined when it has none. */
  admit(caller: string | undefined, chain: Target[], request: ChatRequest): Promise<Admission | undefined>;
}

/**
 * What a call needs before its first attempt: its id, the thread it continues (its history put in the
 * prompt), the chain of targets, the request as sent upstream, and its response-cache slot if any.
 */
export async function prepareCall(
  parts: PrepareParts,
  request: ChatRequest,
  options: EngineCallOptions,
  kind: 'json' | 'stream',
) {
  const requestId = options.requestId ?? randomUUID();
  assertProviderOptions(request.provider_options);
  let thread: { id: string; provider?: string | null; model?: string | null } | undefined;
  let turns: Turn[] = [];
  // Checked before any provider call: an answer that cannot be remembered is not asked for.
  if (options.remember) scopeOf(options);
  if (request.continuation_id) {
    const scope = scopeOf(options);
    thread = await parts.store.getThread(scope, request.continuation_id);
    if (!thread) {
      throw new NotFoundError({
        message:
          `Conversation '${request.continuation_id}' does not exist or has expired; start a new one ` +
          'without continuation_id',
        param: 'continuation_id',
      });
    }
    turns = await parts.store.listTurns(scope, thread.id, { limit: parts.maxTurns });
  }
  const resolved = parts.chain(request, options, thread ? parts.affinity(thread, turns) : null);
  const shaped = turns.length > 0 ? withHistory(request, turns, resolved[0]!.info) : request;
  const { models: _models, continuation_id: _continuation, exai: _exai, ...clean } = shaped;
  // The key's policy last, before any provider call: allowed models, then the budget's reservation.
  const admission = await parts.admit(options.caller, resolved, clean as ChatRequest);
  const chain = admission?.chain ?? resolved;
  const usesThread = thread !== undefined || options.remember === true;
  const cache = parts.cache.slotOf(clean as ChatRequest, chain, options, kind, usesThread);
  return { requestId, thread, chain, request: clean as ChatRequest, cache, admission };
}
