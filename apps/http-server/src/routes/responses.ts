import { BadRequestError, type ChatMessage, type ChatRequest, NotFoundError, toOpenAIError } from '@exai/core';
import type { EngineMeta, OwnerScope } from '@exai/engine';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validateBody } from '../chat-schema.js';
import type { App, AppDeps } from '../deps.js';
import { describeMeta, engineCallOptions, requestScope } from '../request-info.js';
import { BackgroundResponses, type Finished } from '../responses/background.js';
import { listedInputItem, newId, toChatRequest } from '../responses/mapping.js';
import { answerMessage, answerParts, buildResponse, outputItems, responseShell } from '../responses/output.js';
import { type ResponsesBody, responsesBodySchema } from '../responses/schema.js';
import type { ResponseState, StoredResponse } from '../responses/state.js';
import { type ResponseEvent, ResponseEventMapper } from '../responses/stream-events.js';
import type { ResponseObject } from '../responses/types.js';
import { searchFirst, webSearchProvider } from '../responses/web-search.js';
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
  /** Kimi serves the built-in web search: `$web_search` is resolved before the answer. */
  kimiSearch: boolean;
}

const unknownResponse = (id: string, param = 'response_id') =>
  new NotFoundError({ message: `No response found with id '${id.slice(0, 200)}'`, param });

export function mountResponses(app: App, deps: AppDeps, state: ResponseState): void {
  const tasks = new BackgroundResponses(state, deps.logger);
  app.addHook('onClose', () => tasks.close());
  app.post(ROUTE, async (request, reply) => {
    const body = validateBody(responsesBodySchema, request.body);
    const background = body.background === true;
    if (background && body.stream)
      throw new BadRequestError({
        message: "'stream' cannot be used with 'background' here: poll GET /v1/responses/{id} instead",
        param: 'stream',
      });
    if (background && body.store === false)
      throw new BadRequestError({
        message: "'background' responses are stored; 'store' cannot be false",
        param: 'store',
      });
    const scope = requestScope(request);
    const store = body.store !== false;
    let previous: ChatMessage[] = [];
    if (body.previous_response_id) {
      const found = await state.get(scope, body.previous_response_id, request.exaiSignal);
      if (!found) throw unknownResponse(body.previous_response_id, 'previous_response_id');
      if (found.status !== undefined && found.status !== 'completed' && found.status !== 'incomplete')
        throw new BadRequestError({
          message: `Response '${found.response.id}' is ${found.status}; only a finished response can be continued`,
          param: 'previous_response_id',
        });
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
      options: engineCallOptions(request, ROUTE),
      kimiSearch: false,
    };
    if (mapped.webSearch)
      call.kimiSearch = webSearchProvider(deps.engine, call.chat, mapped.webSearch, call.options) === 'kimi';
    if (body.stream) return streamResponse(deps, state, call, request, reply);
    if (background) {
      const queued: ResponseObject = { ...shell, status: 'queued' };
      await tasks.start(scope, { response: queued, conversation: [], ...call.stored }, async (signal) => {
        const { finished } = await answerOnce(deps, { ...call, options: { ...call.options, signal } });
        return finished;
      });
      return reply.send({ ...queued, exai: { request_id: request.id, ignored } });
    }
    const { finished, meta } = await answerOnce(deps, call);
    describeMeta(request, meta);
    if (store) await state.put(scope, { ...finished, ...call.stored }, request.exaiSignal);
    return reply.headers(metaHeaders(meta)).send({ ...finished.response, exai: { ...exaiField(meta), ignored } });
  });

  app.post<{ Params: { id: string } }>(`${ROUTE}/:id/cancel`, async (request) => {
    const cancelled = await tasks.cancel(requestScope(request), request.params.id, request.exaiSignal);
    if (!cancelled) throw unknownResponse(request.params.id);
    return cancelled;
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

/** One non-streamed answer: the engine's chat mapped to the response and the conversation it ends. */
async function answerOnce(deps: AppDeps, call: Call): Promise<{ finished: Finished; meta: EngineMeta }> {
  const searched = call.kimiSearch ? await searchFirst(deps.engine, call.chat, call.options) : undefined;
  const answer = searched?.answer ?? (await deps.engine.chat(searched?.request ?? call.chat, call.options));
  const parts = answerParts(answer);
  const output = outputItems(
    parts,
    { reasoning: newId('rs'), message: newId('msg'), call: () => newId('fc') },
    call.namespaces,
  );
  const response = buildResponse(call.shell, parts, output);
  return { finished: { response, conversation: [...call.conversation, answerMessage(parts)] }, meta: answer.exai };
}

async function streamResponse(
  deps: AppDeps,
  state: ResponseState,
  call: Call,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  // Kimi's search round is not streamed; the answer from its results is (re-asked when the model did not search).
  const chat = call.kimiSearch ? (await searchFirst(deps.engine, call.chat, call.options)).request : call.chat;
  const stream = deps.engine.stream({ ...chat, stream: true }, call.options);
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
