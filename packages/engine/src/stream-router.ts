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
import { continuationRequest, Splice } from './resume.js';
import type { RouteOptions, RouteState } from './route-types.js';
import { RequestDeadline, type RouterDeps, record, walkChain } from './router.js';

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
  /** Follows the request's signal; `abort` ends this attempt alone. */
  readonly #control: RequestDeadline;
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
    const control = new RequestDeadline(signal);
    this.#control = control;
    deps.executor
      .run(
        target,
        async (sessionSignal, call) => {
          const link = new RequestDeadline([sessionSignal, control.signal]);
          const combined = link.signal;
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
          } finally {
            link.dispose();
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
      .finally(() => control.dispose());
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

type Opened = { attempt: StreamAttempt; held: ChatChunk[]; done: boolean };

/** The first-token limit for `target`: the route's, else the model's, else the engine's. */
function firstTokenMs(options: RouteOptions, target: Target, remainingMs: number): number {
  return Math.min(options.firstTokenMsOf?.(target) ?? options.timeouts.firstTokenMs ?? 30_000, remainingMs);
}

/** Failures after the start that another target may not finish for it: the caller left, or a filter stopped it. */
const NOT_RESUMED = new Set(['cancelled', 'content_filter']);

/**
 * The next chunk of an attempt, or its failure (undefined when it ended cleanly). A stall past the
 * idle limit is a failure.
 */
async function nextOf(
  attempt: StreamAttempt,
  idleMs: number,
): Promise<{ chunk: ChatChunk; failure?: undefined } | { chunk?: undefined; failure: GatewayError | undefined }> {
  try {
    const next = await attempt.channel.next(idleMs, () => {
      const stall = new TimeoutError({
        provider: attempt.target.provider,
        model: attempt.target.model,
        message: `The stream stalled: no data for ${idleMs} ms`,
      });
      attempt.abort(stall);
      return stall;
    });
    return next.done ? { failure: undefined } : { chunk: next.value };
  } catch (error) {
    return { failure: toGatewayError(error, { provider: attempt.target.provider, model: attempt.target.model }) };
  }
}

/**
 * A streaming request over the chain. The stream is held until its first content: a failure
 * before anything reached the caller fails over transparently. A text answer that breaks after
 * that (cut, stall, malformed chunk, error event, no finish) is continued by the next target of
 * the chain and spliced into one answer (`resume.ts`), unless `options.resume` is false, the
 * answer holds a tool call, or no target can continue it; then the stream ends with a thrown
 * `stream_interrupted` (the apps turn it into an in-band error event and never send `[DONE]`).
 * A silent provider (first token, idle) is a failure like an error status.
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
  const deadline = now() + options.timeouts.requestMs;
  let current: StreamAttempt | undefined;
  // The request's deadline and cancellation outlive `walkChain` (the stream is read after it returns): ours to end.
  const link = new RequestDeadline(options.signal, options.timeouts.requestMs);
  try {
    let opened: Opened = await walkChain(
      chain,
      deps,
      options,
      state,
      async (target, signal, remainingMs) => {
        const backup = options.hedgeMs !== undefined ? chain[chain.indexOf(target) + 1] : undefined;
        const ttft = firstTokenMs(options, target, remainingMs);
        if (!backup) {
          const attempt = new StreamAttempt(target, request, deps, options, signal, remainingMs, now);
          return { attempt, ...(await attempt.first(ttft, limit)) };
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
            return { attempt, ...(await attempt.first(Math.max(1, ttft - late), limit)) };
          },
          { delayMs: hedgeMs, signal },
        );
        return value;
      },
      link.signal,
    );
    const splice = new Splice(request);
    // Set on a continuation's attempt: where in the content it took over.
    let seam: { resumedAt?: number } = {};
    for (;;) {
      const { attempt } = opened;
      current = attempt;
      state.provider = attempt.target.provider;
      state.model = attempt.target.model;
      // One attempt's chunks through the splice to the caller (inline: no generator layer per chunk).
      let failure: GatewayError | undefined;
      for (const chunk of opened.held) {
        const out = splice.take(chunk);
        if (out) yield out;
      }
      while (!opened.done) {
        const next = await nextOf(attempt, options.timeouts.idleMs);
        if (!next.chunk) {
          failure = next.failure;
          break;
        }
        const out = splice.take(next.chunk);
        if (out) yield out;
      }
      // A stream that broke after its finish chunk still gave the whole answer.
      if (!failure || splice.finished) {
        record(state, attempt.target, undefined, attempt.startedAt, now(), {
          ...(splice.usage ? { usage: splice.usage } : {}),
          ...seam,
        });
        break;
      }
      record(state, attempt.target, failure, attempt.startedAt, now(), seam);
      if (failure.code === 'cancelled') throw failure;
      const resumable =
        options.resume !== false &&
        !splice.toolCalls &&
        !NOT_RESUMED.has(failure.code) &&
        splice.started &&
        now() < deadline;
      const next = resumable
        ? await continueOn(chain, attempt.target, request, deps, options, state, splice, deadline, link.signal)
        : undefined;
      if (!next) {
        throw new StreamInterruptedError({
          provider: attempt.target.provider,
          model: attempt.target.model,
          message: `The answer was cut off after it started: ${failure.message}`,
          cause: failure,
        });
      }
      yield* splice.resume(next.attempt.target);
      state.resumed = splice.resumed;
      seam = { resumedAt: splice.resumed.at(-1)!.at_char };
      opened = next;
    }
    yield* splice.end();
    if (splice.usage) state.usage = splice.usage;
  } finally {
    // A caller that stops reading (or fails) must not leave the upstream request running; an attempt
    // that already ended has nothing to stop (no error built for it).
    if (current && !current.channel.closed)
      current.abort(new CancelledError({ message: 'The caller stopped reading the stream' }));
    link.dispose();
  }
}

/**
 * Opens the continuation of a broken answer on the targets after `failed`: a prefill where the
 * target takes one (a 400 to it is learned, and the same target is asked in words), else the
 * instruction. Undefined when none of them starts answering.
 */
async function continueOn(
  chain: readonly Target[],
  failed: Target,
  request: ChatRequest,
  deps: RouterDeps,
  options: RouteOptions,
  state: RouteState,
  splice: Splice,
  deadline: number,
  requestSignal: AbortSignal,
): Promise<Opened | undefined> {
  const now = deps.now ?? Date.now;
  const rest = chain.slice(chain.indexOf(failed) + 1);
  if (rest.length === 0) return undefined;
  const given = { content: splice.content, reasoning: splice.reasoning };
  const limit = options.streamBufferLimit ?? 64;
  const remaining = { ...options, timeouts: { ...options.timeouts, requestMs: Math.max(1, deadline - now()) } };
  try {
    return await walkChain(
      rest,
      deps,
      remaining,
      state,
      async (target, signal, remainingMs) => {
        const open = async (prefill: boolean): Promise<Opened> => {
          const body = continuationRequest(request, given, prefill);
          const attempt = new StreamAttempt(target, body, deps, options, signal, remainingMs, now);
          return { attempt, ...(await attempt.first(firstTokenMs(options, target, remainingMs), limit)) };
        };
        if (!(deps.prefill?.takes(target) ?? target.info.prefill === true)) return open(false);
        const startedAt = now();
        try {
          return await open(true);
        } catch (error) {
          const failure = toGatewayError(error, { provider: target.provider, model: target.model });
          if (failure.code !== 'bad_request') throw error;
          deps.prefill?.refused(target);
          record(state, target, failure, startedAt, now());
          return open(false);
        }
      },
      requestSignal,
    );
  } catch {
    return undefined;
  }
}
