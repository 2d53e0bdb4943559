import type { ChatRequest, Cost, Tracer, TraceSpan, Usage } from '@exai/core';
import type { EngineCallOptions, EngineMeta } from './engine-types.js';
import type { RouteAttempt } from './route-types.js';

/**
 * The engine's spans, named and attributed after the OpenTelemetry GenAI semantic conventions: one
 * span per call (`chat <requested model>`, covering every retry and fail-over) and, under it, one
 * client span per upstream attempt (`chat <model>`) with its provider, outcome, tokens, cost when
 * known, and why the engine moved on. Attempt spans are written when the call ends, with their real
 * start and end times (the attempts are already recorded for the request log; the router is not traced).
 */

export interface CallTrace {
  finish(meta: EngineMeta, error?: unknown): void;
}

const failureOf = (error: unknown): { type: string; message: string } => {
  const typed = error as { code?: unknown; message?: unknown };
  return {
    type: typeof typed.code === 'string' ? typed.code : 'error',
    message: typeof typed.message === 'string' ? typed.message : String(error),
  };
};

/** A cost as span attributes: the amount, its currency, and whether it is our estimate. */
const costAttributes = (cost: Cost | undefined) =>
  cost ? { 'exai.cost': cost.amount, 'exai.cost.currency': cost.currency, 'exai.cost.estimated': cost.estimated } : {};

/**
 * Prompt tokens the provider served from its context cache (`gen_ai.usage.cache_read.input_tokens`,
 * part of `gen_ai.usage.input_tokens` as the GenAI conventions count them), when it reported the
 * number (0 included: it said nothing was cached); absent when it did not say.
 */
const cachedAttributes = (usage: Usage | undefined) =>
  usage?.cached_tokens !== undefined ? { 'gen_ai.usage.cache_read.input_tokens': usage.cached_tokens } : {};

/** Why the attempt after `previous` was made: a fail-over to another target, or a retry of the same one. */
function movedOn(previous: RouteAttempt | undefined, attempt: RouteAttempt) {
  if (!previous || previous.outcome === 'ok') return {};
  const same = previous.provider === attempt.provider && previous.model === attempt.model;
  return same ? { 'exai.retry.reason': previous.outcome } : { 'exai.failover.reason': previous.outcome };
}

function attemptSpan(tracer: Tracer, parent: TraceSpan, attempt: RouteAttempt, index: number, previous?: RouteAttempt) {
  const span = tracer.startSpan(`chat ${attempt.model}`, {
    parent,
    kind: 'client',
    startTime: attempt.startedAt,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': attempt.provider,
      'gen_ai.request.model': attempt.model,
      'gen_ai.usage.input_tokens': attempt.usage?.prompt_tokens,
      'gen_ai.usage.output_tokens': attempt.usage?.completion_tokens,
      ...cachedAttributes(attempt.usage),
      'exai.attempt.index': index,
      'exai.attempt.outcome': attempt.outcome,
      'exai.attempt.hedged': attempt.hedged,
      ...costAttributes(attempt.cost),
      ...movedOn(previous, attempt),
    },
  });
  if (attempt.outcome !== 'ok') {
    span.setAttributes({ 'error.type': attempt.outcome });
    span.fail(attempt.message ?? attempt.outcome);
  }
  span.end(attempt.startedAt + attempt.latencyMs);
}

/** Starts a call's span; undefined (and nothing done) without a tracer. */
export function traceCall(
  tracer: Tracer | undefined,
  request: ChatRequest,
  options: EngineCallOptions,
  streaming: boolean,
): CallTrace | undefined {
  if (!tracer) return undefined;
  const requested = request.model ?? 'auto';
  const span = tracer.startSpan(`chat ${requested}`, {
    ...(options.span ? { parent: options.span } : {}),
    kind: 'internal',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': requested,
      'gen_ai.request.temperature': request.temperature ?? undefined,
      'gen_ai.request.top_p': request.top_p ?? undefined,
      'gen_ai.request.max_tokens': request.max_tokens ?? undefined,
      'exai.route': options.route,
      'exai.stream': streaming,
    },
  });
  return {
    finish(meta, error) {
      let previous: RouteAttempt | undefined;
      for (const [index, attempt] of meta.attempts.entries()) {
        attemptSpan(tracer, span, attempt, index, previous);
        previous = attempt;
      }
      span.setAttributes({
        'exai.request_id': meta.requestId,
        'gen_ai.provider.name': meta.provider || undefined,
        'gen_ai.response.model': meta.model || undefined,
        'gen_ai.usage.input_tokens': meta.usage?.prompt_tokens,
        'gen_ai.usage.output_tokens': meta.usage?.completion_tokens,
        ...cachedAttributes(meta.usage),
        'gen_ai.conversation.id': meta.continuationId,
        'exai.attempts': meta.attempts.length,
        'exai.fell_back': meta.fellBack,
        'exai.cache': meta.cache,
        ...costAttributes(meta.cost),
      });
      if (error !== undefined) {
        const failure = failureOf(error);
        span.setAttributes({ 'error.type': failure.type });
        span.fail(failure.message);
      }
      span.end();
    },
  };
}
