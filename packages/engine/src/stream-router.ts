import {
  CancelledError,
  type ChatChunk,
  type ChatRequest,
  GatewayError,
  StreamInterruptedError,
  TimeoutError,
  toGatewayError,
} from '@exai/core';
import { Channel } from './channel.js';
import { hedge } from './hedge.js';
import type { Target } from './resolve.js';
import type { RouteOptions, RouteState } from './route-types.js';
import { type RouterDeps, record, walkChain } from './router.js';

/** True once a chunk carries something the caller would see: text, reasoning, a tool call, an end. */
function hasContent(chunk: ChatChunk): boolean {
  const choice = chunk.choices[0];
  if (!choice) return chunk.usage !== undefined;
  const delta = choice.delta;
  return Boolean(delta.content || delta.reasoning_content || delta.tool_calls?.length || choice.finish_reason);
}

/** One streaming attempt: the adapter's stream pumped into a bounded channel inside a managed session. */
class StreamAttempt {
  readonly channel = new Channel<ChatChunk>();
  readonly #control = new AbortController();
  readonly target: Target;
  readonly startedAt: number;

  constructor(
    target: Target,
    request: ChatRequest,
    deps: RouterDeps,
    options: RouteOptions,
    signal: AbortSignal,
    remainingMs: number,
    now: () => number,
  ) {
    this.target = target;
    this.startedAt = now();
    const control = this.#control;
    const onAbort = () => control.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    deps.executor
      .run(
        target,
        async (sessionSignal, call) => {
          const combined = AbortSignal.any([sessionSignal, control.signal]);
          try {
            for await (const chunk of target.adapter.stream(
              { ...request, model: target.model, stream: true },
              { signal: combined, keyIndex: call.keyIndex },
            )) {
              // A full channel (the caller reads slowly) pauses the upstream read here.
              const room = this.channel.push(chunk, combined);
              if (room) await room;
            }
          } catch (error) {
            // Our own timeouts abort with a typed reason: report that, so breakers count it.
            if (control.signal.aborted && GatewayError.isInstance(control.signal.reason)) throw control.signal.reason;
            throw error;
          }
        },
        {
          requestId: options.requestId,
          timeoutMs: Math.max(1, remainingMs),
          signal: control.signal,
          ...(options.conversationId ? { conversationId: options.conversationId } : {}),
        },
      )
      .then(
        () => this.channel.close(),
        (error: unknown) =>
          this.channel.close(toGatewayError(error, { provider: target.provider, model: target.model })),
      )
      .finally(() => signal.removeEventListener('abort', onAbort));
  }

  abort(reason: GatewayError): void {
    this.#control.abort(reason);
  }

  /** Waits for the first content; returns every chunk held so far. */
  async first(timeoutMs: number, limit: number): Promise<{ held: ChatChunk[]; done: boolean }> {
    const held: ChatChunk[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const next = await this.channel.next(Math.max(1, left), () => this.#timedOut(timeoutMs));
      if (next.done) {
        if (held.some(hasContent)) return { held, done: true };
        throw new StreamInterruptedError({
          provider: this.target.provider,
          model: this.target.model,
          message: 'The stream ended before any content',
        });
      }
      held.push(next.value);
      if (hasContent(next.value) || held.length >= limit) return { held, done: false };
    }
  }

  #timedOut(timeoutMs: number): GatewayError {
    const error = new TimeoutError({
      provider: this.target.provider,
      model: this.target.model,
      message: `No first token within ${timeoutMs} ms`,
    });
    this.abort(error);
    return error;
  }
}

/**
 * A streaming request over the chain. The stream is held until its first content: a failure
 * before anything reached the caller fails over transparently; a failure after that ends the
 * stream with a thrown `stream_interrupted` (the apps turn it into an in-band error event and
 * never send `[DONE]`). A silent provider (first token, idle) is a failure like an error status.
 */
export async function* routeStream(
  chain: readonly Target[],
  request: ChatRequest,
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState = { attempts: [] },
): AsyncGenerator<ChatChunk, void, undefined> {
  const now = deps.now ?? Date.now;
  const limit = options.streamBufferLimit ?? 64;
  let committed: StreamAttempt | undefined;
  let held: ChatChunk[] = [];
  let ended = false;
  try {
    const winner = await walkChain(chain, deps, options, state, async (target, signal, remainingMs) => {
      const backup = options.hedgeMs !== undefined ? chain[chain.indexOf(target) + 1] : undefined;
      const ttft = Math.min(options.timeouts.firstTokenMs, remainingMs);
      if (!backup) {
        const attempt = new StreamAttempt(target, request, deps, options, signal, remainingMs, now);
        const first = await attempt.first(ttft, limit);
        held = first.held;
        ended = first.done;
        return attempt;
      }
      // The hedge races the first content; the winner's stream goes on, the loser's is aborted.
      const hedgeMs = options.hedgeMs!;
      const { value } = await hedge(
        async (leg, legSignal) => {
          const late = leg === 'backup' ? hedgeMs : 0;
          const attempt = new StreamAttempt(
            leg === 'primary' ? target : backup,
            request,
            deps,
            options,
            legSignal,
            remainingMs - late,
            now,
          );
          return { attempt, first: await attempt.first(Math.max(1, ttft - late), limit) };
        },
        { delayMs: hedgeMs, signal },
      );
      held = value.first.held;
      ended = value.first.done;
      return value.attempt;
    });
    committed = winner;
    state.provider = winner.target.provider;
    state.model = winner.target.model;
    for (const chunk of held) {
      if (chunk.usage) state.usage = chunk.usage;
      yield chunk;
    }
    if (!ended) {
      for (;;) {
        let next: Awaited<ReturnType<Channel<ChatChunk>['next']>>;
        try {
          next = await winner.channel.next(options.timeouts.idleMs, () => {
            const stall = new TimeoutError({
              provider: winner.target.provider,
              model: winner.target.model,
              message: `The stream stalled: no data for ${options.timeouts.idleMs} ms`,
            });
            winner.abort(stall);
            return stall;
          });
        } catch (error) {
          const failure = toGatewayError(error, { provider: winner.target.provider, model: winner.target.model });
          record(state, winner.target, failure, winner.startedAt, now());
          if (failure.code === 'cancelled') throw failure;
          throw new StreamInterruptedError({
            provider: winner.target.provider,
            model: winner.target.model,
            message: `The answer was cut off after it started: ${failure.message}`,
            cause: failure,
          });
        }
        if (next.done) break;
        if (next.value.usage) state.usage = next.value.usage;
        yield next.value;
      }
    }
    record(state, winner.target, undefined, winner.startedAt, now(), state.usage ? { usage: state.usage } : {});
  } finally {
    // A caller that stops reading (or fails) must not leave the upstream request running.
    committed?.abort(new CancelledError({ message: 'The caller stopped reading the stream' }));
  }
}
