import { CancelledError, type ChatRequest, GatewayError, toOpenAIError } from '@exai/core';
import type { EngineMeta, OwnerScope } from '@exai/engine';
import { parseChatBody } from './chat-schema.js';
import type { AppDeps } from './deps.js';
import { checkArguments, toolsOf } from './tools-routes.js';
import type { ClientFrame, ServerFrame, WsErrorBody } from './ws-protocol.js';

/** Runs one `call_tool` or `chat` frame to its last frame: exactly one `result` or `error` per request_id. */

export interface CallSink {
  /** Resolves once the frame is handed to the socket (waits when the peer reads slowly). */
  send(frame: ServerFrame): Promise<void>;
  /** Aborted by `cancel` or by the socket closing. */
  signal: AbortSignal;
  keyId: string;
  /** The socket's tenant (from its key): threads and continuations are its own. */
  scope: OwnerScope;
}

const ROUTE = '/v1/ws';

function errorBody(error: unknown): WsErrorBody {
  return toOpenAIError(error).body.error;
}

function cancelled(): WsErrorBody {
  return errorBody(new CancelledError({ message: 'Cancelled by the client' }));
}

function record(
  deps: AppDeps,
  startedAt: number,
  status: number,
  model: string | null,
  provider: string | null,
  meta?: EngineMeta,
): void {
  deps.metrics.recordRequest({
    time: Date.now(),
    route: ROUTE,
    model: model || null,
    provider: provider || null,
    status,
    latencyMs: Date.now() - startedAt,
    ...(meta?.resumed ? { resumptions: meta.resumed.map((point) => ({ provider: point.provider })) } : {}),
  });
}

async function callTool(
  deps: AppDeps,
  frame: Extract<ClientFrame, { type: 'call_tool' }>,
  sink: CallSink,
): Promise<void> {
  const id = frame.request_id;
  const tools = toolsOf(deps);
  if (!tools)
    return sink.send({
      type: 'error',
      request_id: id,
      error: {
        message: 'Tools are not enabled on this server',
        type: 'invalid_request_error',
        code: 'not_found',
        param: 'name',
      },
    });
  const check = checkArguments(tools, frame.name, frame.arguments);
  if (!check.ok) {
    return sink.send({
      type: 'error',
      request_id: id,
      error: {
        message: check.message,
        type: 'invalid_request_error',
        code: check.status === 404 ? 'not_found' : 'bad_request',
        param: check.param === 'name' ? 'name' : `arguments.${check.param}`,
      },
    });
  }
  const startedAt = Date.now();
  const result = await tools.call(frame.name, frame.arguments, {
    signal: sink.signal,
    caller: sink.keyId,
    scope: sink.scope,
    progress: (update) => {
      if (!sink.signal.aborted) void sink.send({ type: 'progress', request_id: id, ...update });
    },
  });
  const meta = result.meta as { model?: string; provider?: string } | undefined;
  if (sink.signal.aborted) {
    record(deps, startedAt, 499, meta?.model ?? null, meta?.provider ?? null);
    return sink.send({ type: 'error', request_id: id, error: cancelled() });
  }
  record(deps, startedAt, 200, meta?.model ?? null, meta?.provider ?? null);
  return sink.send({
    type: 'result',
    request_id: id,
    content: result.content,
    ...(result.structured === undefined ? {} : { structured: result.structured }),
    is_error: result.isError === true,
    ...(result.meta === undefined ? {} : { meta: { ...result.meta } }),
  });
}

async function chat(deps: AppDeps, frame: Extract<ClientFrame, { type: 'chat' }>, sink: CallSink): Promise<void> {
  const id = frame.request_id;
  const startedAt = Date.now();
  // The same validation as POST /v1/chat/completions: a bad field is an error frame naming it, never an upstream call.
  let request: ChatRequest;
  try {
    request = parseChatBody(frame.request).request;
  } catch (error) {
    const body = errorBody(error);
    return sink.send({
      type: 'error',
      request_id: id,
      error: { ...body, param: body.param === null ? 'request' : `request.${body.param}` },
    });
  }
  const stream = deps.engine.stream(
    { ...request, stream: true },
    { signal: sink.signal, caller: sink.keyId, scope: sink.scope, route: ROUTE },
  );
  let text = '';
  let finishReason: string | null = null;
  try {
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      const delta = choice?.delta.content ?? '';
      const reasoning = (choice?.delta as { reasoning_content?: string } | undefined)?.reasoning_content;
      text += delta;
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      await sink.send({
        type: 'chunk',
        request_id: id,
        delta,
        ...(reasoning ? { reasoning } : {}),
        chunk: { ...chunk },
      });
    }
  } catch (error) {
    // After content started the engine throws stream_interrupted: an error frame, never a result.
    const aborted = sink.signal.aborted;
    const body = aborted ? cancelled() : errorBody(error);
    record(
      deps,
      startedAt,
      aborted ? 499 : GatewayError.isInstance(error) ? error.statusCode : 500,
      stream.meta.model,
      stream.meta.provider,
    );
    return sink.send({ type: 'error', request_id: id, error: body });
  }
  const meta = stream.meta;
  record(deps, startedAt, 200, meta.model, meta.provider, meta);
  return sink.send({
    type: 'result',
    request_id: id,
    content: text,
    structured: { finish_reason: finishReason, usage: meta.usage ?? null },
    is_error: false,
    meta: {
      request_id: meta.requestId,
      provider: meta.provider,
      model: meta.model,
      fell_back: meta.fellBack,
      simulated: meta.simulated,
      attempts: meta.attempts.length,
      ...(meta.resumed ? { resumed: meta.resumed } : {}),
    },
  });
}

export async function runCall(
  deps: AppDeps,
  frame: Extract<ClientFrame, { type: 'call_tool' | 'chat' }>,
  sink: CallSink,
): Promise<void> {
  try {
    // Each call counts against the key's rate limit, as one HTTP request would.
    const decision = await deps.auth.limit(sink.keyId).catch(() => ({ allowed: true, retryAfterMs: 0 }));
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      const message = `Rate limit reached for this API key; retry after ${seconds} s`;
      return await sink.send({
        type: 'error',
        request_id: frame.request_id,
        error: { message, type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null },
      });
    }
    if (frame.type === 'chat') await chat(deps, frame, sink);
    else await callTool(deps, frame, sink);
  } catch (error) {
    deps.logger.warn({ err: error, requestId: frame.request_id }, 'websocket call failed');
    await sink.send({
      type: 'error',
      request_id: frame.request_id,
      error: sink.signal.aborted ? cancelled() : errorBody(error),
    });
  }
}
