import type { ChatChunk, ChatRequest, Cost } from '@exai/core';
import { toOpenAIError } from '@exai/core';
import type { EngineMeta } from '@exai/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseChatBody } from '../chat-schema.js';
import type { App, AppDeps } from '../deps.js';
import { describeMeta, requestScope, traceParent } from '../request-info.js';
import { metaHeaders, openEventStream, writeEvent } from '../sse.js';

/** `exai` extension object on answers and on the last stream event. */
export function exaiField(meta: EngineMeta) {
  return {
    request_id: meta.requestId,
    provider: meta.provider,
    model: meta.model,
    fell_back: meta.fellBack,
    simulated: meta.simulated,
    ...(meta.cache ? { cache: meta.cache } : {}),
    ...(meta.continuationId ? { continuation_id: meta.continuationId } : {}),
    ...(meta.cost ? { cost: costField(meta.cost) } : {}),
    ...(meta.budget
      ? {
          budget: {
            limit: meta.budget.limit,
            period: meta.budget.period,
            spent: meta.budget.spent,
            reset_at: meta.budget.resetAt === null ? null : new Date(meta.budget.resetAt).toISOString(),
            alert: meta.budget.alert,
          },
        }
      : {}),
    // A stream that broke and was continued: who continued it, from which content character.
    ...(meta.resumed ? { resumed: meta.resumed } : {}),
    attempts: meta.attempts.map((attempt) => ({
      provider: attempt.provider,
      model: attempt.model,
      outcome: attempt.outcome,
      latency_ms: attempt.latencyMs,
      ...(attempt.cost ? { cost: costField(attempt.cost) } : {}),
    })),
  };
}

/** `exai.cost`: the amount, its currency, and whether it is our estimate. */
export function costField(cost: Cost) {
  return { amount: cost.amount, currency: cost.currency, estimated: cost.estimated, cached_tokens: cost.cachedTokens };
}

/** OpenAI's `usage` with the call's cost beside the token counts (`usage.cost`, as OpenRouter reports it). */
export function usageWithCost<U extends object>(usage: U, meta: EngineMeta): U & { cost?: number } {
  return meta.cost ? { ...usage, cost: meta.cost.amount } : usage;
}

export function mountChat(app: App, deps: AppDeps): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const { request: chat, remember } = parseChatBody(request.body);
    const options = {
      signal: request.exaiSignal,
      requestId: request.id,
      route: '/v1/chat/completions',
      remember,
      ...(request.exai.keyId ? { caller: request.exai.keyId } : {}),
      scope: requestScope(request),
      ...traceParent(request),
    };
    if (chat.stream) return streamChat(deps, chat, options, request, reply);
    const answer = await deps.engine.chat(chat, options);
    describeMeta(request, answer.exai);
    const { exai, ...response } = answer;
    const usage = response.usage ? { usage: usageWithCost(response.usage, exai) } : {};
    return reply.headers(metaHeaders(exai)).send({ ...response, ...usage, exai: exaiField(exai) });
  });
}

async function streamChat(
  deps: AppDeps,
  chat: ChatRequest,
  options: Parameters<AppDeps['engine']['stream']>[1] & object,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const includeUsage = chat.stream_options?.include_usage === true;
  const stream = deps.engine.stream(chat, options);
  const { first, iterator, raw } = await openEventStream(stream, request, reply);
  // Each write waits while the client's socket is backed up, which stops pulling from the engine.
  const write = (data: string) => writeEvent(raw, `data: ${data}\n\n`);
  let sawUsage = false;
  let last: ChatChunk | undefined;
  const send = async (chunk: ChatChunk) => {
    last = chunk;
    if (chunk.usage) {
      if (!includeUsage) {
        const { usage: _usage, ...rest } = chunk;
        if (rest.choices.length === 0) return;
        await write(JSON.stringify(rest));
        return;
      }
      sawUsage = true;
    }
    await write(JSON.stringify(chunk));
  };
  try {
    if (!first.done) await send(first.value);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) await send(next.value);
    describeMeta(request, stream.meta);
    const usage =
      includeUsage && !sawUsage && stream.meta.usage ? { usage: usageWithCost(stream.meta.usage, stream.meta) } : {};
    await write(
      JSON.stringify({
        id: last?.id ?? `chatcmpl-${stream.meta.requestId}`,
        object: 'chat.completion.chunk',
        created: last?.created ?? Math.floor(Date.now() / 1000),
        model: stream.meta.model,
        provider: stream.meta.provider,
        choices: [],
        ...usage,
        exai: exaiField(stream.meta),
      }),
    );
    await write('[DONE]');
  } catch (error) {
    describeMeta(request, stream.meta);
    const { status, body } = toOpenAIError(error);
    request.exai.status = status;
    // In-band error and no [DONE]: a truncated answer must never look like a complete one.
    await write(JSON.stringify(body));
    if (!raw.destroyed)
      deps.logger.warn({ requestId: request.id, code: body.error.code }, 'stream ended with an error');
  } finally {
    raw.end();
  }
  return reply;
}
