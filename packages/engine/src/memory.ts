import type { ChatMessage, ChatRequest, ModelInfo, Turn } from '@exai/core';
import type { OwnerScope, Store } from '@exai/store';
import type { EngineCallOptions, EngineMeta, Exchange } from './engine-types.js';
import { estimateTokens } from './file-context.js';
import { historyBudget, packHistory } from './history.js';

export function textOf(message: ChatMessage | undefined): string {
  if (!message || message.content === null) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * Puts a thread's history in front of the request's own messages: system messages first,
 * then the packed history (newest turns kept, presented oldest-first), then the new turn.
 */
export function withHistory(request: ChatRequest, turns: readonly Turn[], model: ModelInfo): ChatRequest {
  if (turns.length === 0) return request;
  const promptTokens = request.messages.reduce((sum, message) => sum + estimateTokens(textOf(message)), 0);
  const packed = packHistory(turns, historyBudget(model, promptTokens));
  const system = request.messages.filter((message) => message.role === 'system');
  const rest = request.messages.filter((message) => message.role !== 'system');
  return { ...request, messages: [...system, ...packed.messages, ...rest] };
}

/** Stores one question and its answer in a thread (a new one without `threadId`); returns the thread id. */
export async function storeExchange(store: Store, scope: OwnerScope, exchange: Exchange): Promise<string> {
  const title = (exchange.title ?? exchange.question).slice(0, 80);
  const id =
    exchange.threadId ??
    (await store.createThread(scope, { title, provider: exchange.provider, model: exchange.model })).id;
  const tool = exchange.tool ? { tool: exchange.tool } : {};
  await store.appendTurns(scope, id, [
    { role: 'user', content: exchange.question, ...(exchange.files ? { files: exchange.files } : {}), ...tool },
    {
      role: 'assistant',
      content: exchange.answer,
      model: exchange.model,
      provider: exchange.provider,
      ...tool,
      ...(exchange.usage ? { usage: { ...exchange.usage } } : {}),
    },
  ]);
  return id;
}

/** The tenant a remembered call belongs to; a call that uses memory without one is a programming error. */
export function scopeOf(options: EngineCallOptions): OwnerScope {
  if (!options.scope)
    throw new TypeError("engine: continuation_id and remember need options.scope (the caller's tenant)");
  return options.scope;
}

/** Whether a call stores its exchange: when it continues a thread or asks to, unless it only reads history. */
export function remembers(thread: { id: string } | undefined, options: EngineCallOptions): boolean {
  return !options.historyOnly && (thread !== undefined || options.remember === true);
}

/**
 * The conversation a call is queued under (one call per thread at a time, so turns stay in
 * order). A call that only reads the thread (`historyOnly`) writes nothing and is not queued.
 */
export function conversationOf(thread: { id: string } | undefined, options: EngineCallOptions): string | undefined {
  return options.historyOnly ? undefined : thread?.id;
}

/** One call's exchange as its thread keeps it: the last user question, the answer, who answered, the usage. */
export function exchangeOf(
  threadId: string | undefined,
  request: ChatRequest,
  answer: string,
  meta: EngineMeta,
  options: EngineCallOptions,
): Exchange {
  const question = request.messages.filter((message) => message.role === 'user').at(-1);
  return {
    ...(threadId ? { threadId } : {}),
    title: textOf(request.messages.at(-1)),
    question: textOf(question),
    answer,
    provider: meta.provider,
    model: meta.model,
    ...(options.tool ? { tool: options.tool } : {}),
    ...(options.files ? { files: options.files } : {}),
    ...(meta.usage ? { usage: meta.usage } : {}),
  };
}
