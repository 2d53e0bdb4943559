import { BadRequestError, type ChatMessage, type ChatRequest, NotFoundError, toOpenAIError } from '@exai/core';
import type { OwnerScope } from '@exai/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validateBody } from '../chat-schema.js';
import type { App, AppDeps } from '../deps.js';
import { describeMeta, requestScope, traceParent } from '../request-info.js';
import {
  answerMessage,
  answerParts,
  buildResponse,
  listedInputItem,
  newId,
  outputItems,
  responseShell,
  toChatRequest,
} from '../responses/mapping.js';
import { type ResponsesBody, responsesBodySchema } from '../responses/schema.js';
import type { ResponseState, StoredResponse } from '../responses/state.js';
import { type ResponseEvent, ResponseEventMapper } from '../responses/stream-events.js';
import type { ResponseObject } from '../responses/types.js';
import { metaHeaders, openEventStream, writeEvent } from '../sse.js';
import { exaiField } from './chat.js';

/**
 * `POST /v1/responses` (OpenAI's Responses API) over the engine: the body is mapped to a chat
 * request (responses/mapping.ts), the engine answers (resolution, fail-over, breakers, limits,
 * accounting), and the answer is mapped back, whole or as the Responses event stream. With
 * `store` (the default) the response is kept, owner-scoped, for `previous_response_id`,
 * `GET /v1/responses/{id}`, `DELETE` and `input_items`.
 */

const ROUTE = '/v1/responses';

interface Call {
  body: ResponsesBody;
  chat: ChatRequest;
  conversation: ChatMessage[];
  stored: Omit<StoredResponse, 'response' | 'conversation'>;
  shell: ResponseObject;
  ignored: string[];
  namespaces: ReadonlyMap<string, string>;
  scope: OwnerScope;
  options: Parameters<AppDeps['engine']['chat']>[1] & object;
}

const unknownResponse = (id: string, param = 'response_id') =>
  new NotFoundError({ message: `No response found with id '${id.slice(0, 200)}'`, param });

export function mountResponses(app: App, deps: AppDeps, state: ResponseState): void {
  app.post(ROUTE, async (request, reply) => {
    const body = validateBody(responsesBodySchema, request.body);
    if (body.background === true)
      throw new BadRequestError({
        message: "'background' responses are not served by the gateway yet; send the request without it (or stream it)",
        param: 'background',
      });
    const scope = requestScope(request);
    const store = body.store !== false;
    let previous: ChatMessage[] = [];
    if (body.previous_response_id) {
      const found = await state.get(scope, body.previous_response_id, request.exaiSignal);
      if (!found) throw unknownResponse(body.previous_response_id, 'previous_response_id');
      previous = found.conversation;
    }
    const mapped = toChatRequest(body, previous);
    const ignored = [...mapped.ignored, ...(body.store === false ? ['store'] : [])];
    const shell = responseShell(body, { id: newId('resp'), createdAt: Math.floor(Date.now() / 1000), store });
    const call: Call = {
      body,
      chat: mapped.request,
      conversation: mapped.conversation,
      stored: { inputItems: mapped.inputItems.map(listedInputItem) },
      shell,
      ignored,
      namespaces: mapped.namespaces,
      scope,
      options: {
        signal: request.exaiSignal,
        requestId: request.id,
        route: ROUTE,
        ...(request.exai.keyId ? { caller: request.exai.keyId } : {}),
        scope,
        ...traceParent(request),
      },
    };
    if (body.stream) return streamResponse(deps, state, call, request, reply);
    const answer = await deps.engine.chat(call.chat, call.options);
    describeMeta(request, answer.exai);
    const parts = answerParts(answer);
    const output = outputItems(
      parts,
      { reasoning: newId('rs'), message: newId('msg'), call: () => newId('fc') },
      call.namespaces,
    );
    const response = buildResponse(shell, parts, output);
    if (store)
      await state.put(
        scope,
        { response, conversation: [...call.conversation, answerMessage(parts)], ...call.stored },
        request.exaiSignal,
      );
    return reply.headers(metaHeaders(answer.exai)).send({ ...response, exai: { ...exaiField(answer.exai), ignored } });
  });

  app.get<{ Params: { id: string } }>(`${ROUTE}/:id`, async (request) => {
    const found = await state.get(requestScope(request), request.params.id, request.exaiSignal);
    if (!found) throw unknownResponse(request.params.id);
    return found.response;
  });

  app.delete<{ Params: { id: string } }>(`${ROUTE}/:id`, async (request) => {
    const deleted = await state.delete(requestScope(request), request.params.id, request.exaiSignal);
    if (!deleted) throw unknownResponse(request.params.id);
    return { id: request.params.id, object: 'response.deleted', deleted: true };
  });

  app.get<{ Params: { id: string }; Querystring: { order?: string; limit?: string; after?: string } }>(
    `${ROUTE}/:id/input_items`,
    async (request) => {
      const found = await state.get(requestScope(request), request.params.id, request.exaiSignal);
      if (!found) throw unknownResponse(request.params.id);
      const limit = Math.min(100, Math.max(1, Number.parseInt(request.query.limit ?? '20', 10) || 20));
      // OpenAI's default order is newest first.
      const items = request.query.order === 'asc' ? [...found.inputItems] : [...found.inputItems].reverse();
      const start = request.query.after ? items.findIndex((item) => item.id === request.query.after) + 1 : 0;
      const page = items.slice(start, start + limit);
      return {
        object: 'list',
        data: page,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: start + limit < items.length,
      };
    },
  );
}

async function streamResponse(
  deps: AppDeps,
  state: ResponseState,
  call: Call,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const stream = deps.engine.stream({ ...call.chat, stream: true }, call.options);
  const { first, iterator, raw } = await openEventStream(stream, request, reply);
  const mapper = new ResponseEventMapper(call.shell, call.namespaces);
  const send = async (events: ResponseEvent[]) => {
    for (const event of events) await writeEvent(raw, `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  };
  try {
    await send(mapper.start());
    if (!first.done) await send(mapper.chunk(first.value));
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      await send(mapper.chunk(next.value));
    describeMeta(request, stream.meta);
    const { events, response, parts } = mapper.finish(stream.meta.usage);
    const last = events.at(-1);
    if (last) last.response = { ...response, exai: { ...exaiField(stream.meta), ignored: call.ignored } };
    if (call.shell.store)
      await state.put(
        call.scope,
        { response, conversation: [...call.conversation, answerMessage(parts)], ...call.stored },
        request.exaiSignal,
      );
    await send(events);
  } catch (error) {
    describeMeta(request, stream.meta);
    const { status, body } = toOpenAIError(error);
    request.exai.status = status;
    // In-band: `response.failed` then `error`; a truncated answer never ends with `response.completed`.
    await send(mapper.fail(body.error).events);
    if (!raw.destroyed)
      deps.logger.warn({ requestId: request.id, code: body.error.code }, 'responses stream ended with an error');
  } finally {
    raw.end();
  }
  return reply;
}
