import type { GatewayError } from '@exai/core';
import type { KeyedQueue } from './keyed-queues.js';
import type { SessionFunction, SessionRecord, SettledResult } from './types.js';

/**
 * The state of one call. A class (not closures) so every call has the same shape, and so it can
 * be the caller-signal listener itself (`handleEvent`) and the timer argument: no per-call closures
 * for either.
 */
export class Session {
  readonly record: SessionRecord;
  readonly fn: SessionFunction<unknown>;
  readonly resolve: (result: SettledResult<unknown>) => void;
  readonly callerSignal: AbortSignal | undefined;
  readonly onCallerAbort: (session: Session) => void;
  providerEntry: KeyedQueue | undefined = undefined;
  conversationEntry: KeyedQueue | undefined = undefined;
  /** Removes the call from the gates while it waits; only created when the call has to wait. */
  queueController: AbortController | undefined = undefined;
  /** The signal handed to `fn`; created when the call starts. */
  runController: AbortController | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  /** Counted in the queued totals. */
  waiting = false;
  settled = false;
  /** Entered the queues (false for calls turned away at once: queue full, draining, bad options, already aborted). */
  accepted = false;
  /** Settled by timeout or cancellation while `fn` still ran. */
  abandoned = false;
  /** Counted among the occupants of the conversation, provider and global queue. */
  inConversation = false;
  inProvider = false;
  inGlobal = false;
  /** Left all queues and gave back its references (its function ended, or it was taken out while waiting). */
  left = false;

  constructor(
    record: SessionRecord,
    fn: SessionFunction<unknown>,
    resolve: (result: SettledResult<unknown>) => void,
    callerSignal: AbortSignal | undefined,
    onCallerAbort: (session: Session) => void,
  ) {
    this.record = record;
    this.fn = fn;
    this.resolve = resolve;
    this.callerSignal = callerSignal;
    this.onCallerAbort = onCallerAbort;
  }

  /** The caller's signal fired. */
  handleEvent(): void {
    this.onCallerAbort(this);
  }
}

export function settledStatus(error: GatewayError): SessionRecord['status'] {
  if (error.code === 'timeout') return 'timed_out';
  if (error.code === 'cancelled') return 'cancelled';
  return 'failed';
}
