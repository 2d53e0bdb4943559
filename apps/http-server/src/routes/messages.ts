import type { ChatRequest } from '@exai/core';
import { toOpenAIError } from '@exai/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  estimateInputTokens,
  isOpenAIErrorBody,
  messageId,
  toAnthropicError,
  toAnthropicMessage,
  toChatRequest,
} from '../anthropic/mapping.js';
import { routeModel } from '../anthropic/model-map.js';
import { countTokensBodySchema, messagesBodySchema } from '../anthropic/schema.js';
import { AnthropicStreamMapper, sseText } from '../anthropic/stream-events.js';
import { validateBody } from '../chat-schema.js';
import type { App, AppDeps } from '../deps.js';
import { describeMeta, engineCallOptions } from '../request-info.js';
import { metaHeaders, openEventStream, writeEvent } from '../sse.js';

type EngineOptions = Parameters<AppDeps['engine']['stream']>[1] & object;

/**
 * Anthropic's Messages API over the engine (docs/decisions/0020-anthropic-messages-over-the-chat-path.md):
 * `POST /v1/messages` (JSON and SSE) and `POST /v1/messages/count_tokens`. Every error on these
 * routes, the app's auth and rate-limit refusals included, is sent in Anthropic's shape.
 */
export function mountMessages(app: App, deps: AppDeps): void {
  const whyUnserved = (name: string): string | undefined => {
    try {
      deps.engine.chain({ model: name });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : 'unknown model';
    }
  };
  const route = (model: string) => routeModel(model, deps.config.modelMap, whyUnserved);

  void app.register(async (scope) => {
    // One conversion for every error these routes send, wherever it was sent from (the app's
    // onRequest hook, the error handler, the engine): OpenAI's body becomes Anthropic's.
    scope.addHook('preSerialization', async (_request, reply, payload) =>
      reply.statusCode >= 400 && isOpenAIErrorBody(payload) ? toAnthropicError(reply.statusCode, payload) : payload,
    );

    scope.post('/v1/messages', async (request, reply) => {
      const body = validateBody(messagesBodySchema, request.body);
      const chat = toChatRequest(body, route(body.model));
      const options: EngineOptions = engineCallOptions(request, '/v1/messages');
      if (chat.stream) return streamMessages(deps, chat, options, request, reply);
      const answer = await deps.engine.chat(chat, options);
      describeMeta(request, answer.exai);
      return reply
        .headers({ ...metaHeaders(answer.exai), 'request-id': answer.exai.requestId })
        .send(toAnthropicMessage(answer, answer.exai.requestId));
    });

    scope.post('/v1/messages/count_tokens', async (request) => {
      const body = validateBody(countTokensBodySchema, request.body);
      route(body.model);
      return { input_tokens: estimateInputTokens(body) };
    });
  });
}

async function streamMessages(
  deps: AppDeps,
  chat: ChatRequest,
  options: EngineOptions,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const stream = deps.engine.stream(chat, options);
  const { first, iterator, raw } = await openEventStream(stream, request, reply, (meta) => ({
    'request-id': meta.requestId,
  }));
  const mapper = new AnthropicStreamMapper();
  const send = async (events: ReturnType<AnthropicStreamMapper['push']>) => {
    if (events.length > 0) await writeEvent(raw, events.map(sseText).join(''));
  };
  try {
    await send(mapper.start(messageId(stream.meta.requestId), stream.meta.model));
    if (!first.done) await send(mapper.push(first.value));
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      await send(mapper.push(next.value));
    describeMeta(request, stream.meta);
    await send(mapper.end(stream.meta.usage));
  } catch (error) {
    describeMeta(request, stream.meta);
    const { status, body } = toOpenAIError(error);
    request.exai.status = status;
    // In-band `error` event and no `message_stop`: a truncated answer never looks complete.
    await writeEvent(raw, sseText({ event: 'error', data: { ...toAnthropicError(status, body) } }));
    if (!raw.destroyed)
      deps.logger.warn({ requestId: request.id, code: body.error.code }, 'messages stream ended with an error');
  } finally {
    raw.end();
  }
  return reply;
}
