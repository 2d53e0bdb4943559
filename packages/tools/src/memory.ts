import type { Engine, OwnerScope } from '@exai/engine';
import { NotFoundError } from '@exai/core';

/** Earlier turns of a thread as plain text, newest kept when over `maxChars`. */
export async function threadHistory(engine: Engine, scope: OwnerScope, id: string, maxChars = 16_000, signal?: AbortSignal): Promise<string> {
  const thread = await engine.store.getThread(scope, id, signal ? { signal } : {});
  if (!thread) {
    throw new NotFoundError({ message: `Conversation '${id}' does not exist or has expired`, param: 'continuation_id' });
  }
  const turns = await engine.store.listTurns(scope, id, { limit: engine.config.store.maxTurns, ...(signal ? { signal } : {}) });
  const lines: string[] = [];
  let used = 0;
  for (const turn of [...turns].reverse()) {
    const line = `[${turn.role}${turn.tool ? ` via ${turn.tool}` : ''}] ${turn.content}`;
    if (used + line.length > maxChars) break;
    used += line.length;
    lines.unshift(line);
  }
  return lines.join('\n\n');
}

/** Stores one question and answer in a thread (a new one when `threadId` is undefined); returns the thread id. */
export async function rememberExchange(
  engine: Engine,
  scope: OwnerScope,
  threadId: string | undefined,
  exchange: { question: string; answer: string; tool: string; provider?: string; model?: string; files?: string[] },
): Promise<string> {
  const id =
    threadId ??
    (await engine.store.createThread(scope, {
      title: exchange.question.slice(0, 80),
      ...(exchange.provider ? { provider: exchange.provider } : {}),
      ...(exchange.model ? { model: exchange.model } : {}),
    })).id;
  await engine.store.appendTurn(scope, id, { role: 'user', content: exchange.question, tool: exchange.tool, ...(exchange.files ? { files: exchange.files } : {}) });
  await engine.store.appendTurn(scope, id, {
    role: 'assistant',
    content: exchange.answer,
    tool: exchange.tool,
    ...(exchange.provider ? { provider: exchange.provider } : {}),
    ...(exchange.model ? { model: exchange.model } : {}),
  });
  return id;
}
