import { randomUUID } from 'node:crypto';
import { assertProviderOptions, type ChatRequest, NotFoundError, type Turn } from '@exai/core';
import type { Store } from '@exai/store';
import type { CallCache } from './cache.js';
import type { EngineCallOptions } from './engine-types.js';
import { scopeOf, withHistory } from './memory.js';
import type { Target } from './resolve.js';

export interface PrepareParts {
  store: Store;
  maxTurns: number;
  cache: CallCache;
  chain(request: ChatRequest, options: EngineCallOptions, preferProvider?: string | null): Target[];
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
  let thread: { id: string; provider?: string | null } | undefined;
  let turns: Turn[] = [];
  // Checked before any provider call: an answer that cannot be remembered is not asked for.
  if (options.remember) scopeOf(options);
  if (request.continuation_id) {
    const scope = scopeOf(options);
    thread = await parts.store.getThread(scope, request.continuation_id);
    if (!thread) {
      throw new NotFoundError({
        message: `Conversation '${request.continuation_id}' does not exist or has expired; start a new one without continuation_id`,
        param: 'continuation_id',
      });
    }
    turns = await parts.store.listTurns(scope, thread.id, { limit: parts.maxTurns });
  }
  const chain = parts.chain(request, options, thread?.provider);
  const shaped = turns.length > 0 ? withHistory(request, turns, chain[0]!.info) : request;
  const { models: _models, continuation_id: _continuation, ...clean } = shaped;
  const usesThread = thread !== undefined || options.remember === true;
  const cache = parts.cache.slotOf(clean as ChatRequest, chain, options, kind, usesThread);
  return { requestId, thread, chain, request: clean as ChatRequest, cache };
}
