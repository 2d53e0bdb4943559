import { BadRequestError, type ChatMessage, type Logger, toOpenAIError } from '@exai/core';
import type { OwnerScope } from '@exai/engine';
import type { ResponseState, StoredResponse } from './state.js';
import type { ResponseObject } from './types.js';

/** What a background task produces: the finished response and the conversation it ends. */
export interface Finished {
  response: ResponseObject;
  conversation: ChatMessage[];
}

const CANCELLED = 'cancelled';
const SHUTDOWN = 'shutdown';

/**
 * `background: true` responses: stored `queued` at once, run as a task on this instance (`in_progress`,
 * then `completed`/`incomplete`/`failed`), cancelled with `cancel()` on any instance. Every status change is a
 * compare-and-set in the store, so a cancel wins over a task finishing; the task looks at its stored
 * status every `pollMs` and aborts its upstream call when another instance cancelled it.
 */
export class BackgroundResponses {
  readonly #state: ResponseState;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(state: ResponseState, logger: Logger, pollMs = 500) {
    this.#state = state;
    this.#logger = logger;
    this.#pollMs = pollMs;
  }

  /** Stores `stored` (its response `queued`) and starts `run` in the background. */
  async start(scope: OwnerScope, stored: StoredResponse, run: (signal: AbortSignal) => Promise<Finished>) {
    await this.#state.put(scope, { ...stored, status: 'queued' });
    const controller = new AbortController();
    const id = stored.response.id;
    const done = this.#run(scope, stored.response, controller, run).finally(() => this.#running.delete(id));
    this.#running.set(id, { controller, done });
  }

  async #run(
    scope: OwnerScope,
    queued: ResponseObject,
    controller: AbortController,
    run: (signal: AbortSignal) => Promise<Finished>,
  ): Promise<void> {
    const id = queued.id;
    const started: ResponseObject = { ...queued, status: 'in_progress' };
    const transition = (from: 'queued' | 'in_progress', response: ResponseObject, conversation?: ChatMessage[]) =>
      this.#state.transition(scope, id, { from: [from], response, ...(conversation ? { conversation } : {}) });
    try {
      if (!(await transition('queued', started))) return; // cancelled before it started
    } catch (error) {
      this.#logger.warn({ err: error, responseId: id }, 'could not start a background response');
      return;
    }
    const watch = setInterval(() => {
      void this.#state.get(scope, id).then(
        (found) => {
          if (!found || found.status === 'cancelled') controller.abort(CANCELLED);
        },
        () => undefined, // the store is down: the task goes on; its last write will fail and be logged
      );
    }, this.#pollMs);
    watch.unref();
    try {
      const finished = await run(controller.signal);
      await transition('in_progress', finished.response, finished.conversation);
    } catch (error) {
      if (controller.signal.reason === CANCELLED) return;
      const { body } = toOpenAIError(error);
      const message =
        controller.signal.reason === SHUTDOWN ? 'The gateway stopped before the response finished' : body.error.message;
      const failed: ResponseObject = {
        ...started,
        status: 'failed',
        error: { code: body.error.code ?? 'server_error', message },
      };
      await transition('in_progress', failed).catch((writeError: unknown) =>
        this.#logger.warn({ err: writeError, responseId: id }, 'could not store a failed background response'),
      );
    } finally {
      clearInterval(watch);
    }
  }

  /**
   * Cancels the caller's background response: a queued or running one becomes `cancelled` (its upstream
   * call is aborted, here at once, on another instance at its next look); a finished one is answered as it is.
   * Undefined when unknown to the caller.
   */
  async cancel(scope: OwnerScope, id: string, signal?: AbortSignal): Promise<ResponseObject | undefined> {
    const found = await this.#state.get(scope, id, signal);
    if (!found) return undefined;
    if (!found.response.background)
      throw new BadRequestError({
        message:
          `Response '${id.slice(0, 200)}' was not created with background: true; only background responses ` +
          'can be cancelled',
        param: 'response_id',
      });
    if (found.status !== 'queued' && found.status !== 'in_progress') return found.response;
    const cancelled: ResponseObject = { ...found.response, status: 'cancelled' };
    if (await this.#state.transition(scope, id, { from: ['queued', 'in_progress'], response: cancelled }, signal)) {
      this.#running.get(id)?.controller.abort(CANCELLED);
      return cancelled;
    }
    return (await this.#state.get(scope, id, signal))?.response;
  }

  /** Aborts the tasks still running (they are stored `failed`) and waits for them to settle. */
  async close(): Promise<void> {
    const running = [...this.#running.values()];
    for (const task of running) task.controller.abort(SHUTDOWN);
    await Promise.allSettled(running.map((task) => task.done));
  }
}
