import { setTimeout as wait } from 'node:timers/promises';
import { CancelledError } from '@exai/core';

export interface Hedged<T> {
  value: T;
  /** Which leg answered: the backup only ever starts after `delayMs` without an answer. */
  winner: 'primary' | 'backup';
}

/**
 * Runs `start('primary')`; when it has not settled within `delayMs`, also runs `start('backup')`
 * and takes whichever answers first. The loser's signal is aborted; each leg's signal also follows
 * `signal` (for as long as the leg runs, e.g. a stream after its first content). A primary that fails before `delayMs`
 * fails the call (no backup is started); when both legs fail, the primary's error is thrown. Used by chat (the whole
 * response) and streams (the first content).
 */
export async function hedge<T>(
  start: (leg: 'primary' | 'backup', signal: AbortSignal) => Promise<T>,
  options: { delayMs: number; signal: AbortSignal },
): Promise<Hedged<T>> {
  const legs = { primary: new AbortController(), backup: new AbortController() };
  const timer = new AbortController();
  const run = (leg: 'primary' | 'backup') =>
    start(leg, AbortSignal.any([options.signal, legs[leg].signal])).then((value): Hedged<T> => {
      legs[leg === 'primary' ? 'backup' : 'primary'].abort(
        new CancelledError({ message: 'The other hedged attempt answered first' }),
      );
      return { value, winner: leg };
    });
  try {
    const primary = run('primary');
    const late = wait(options.delayMs, undefined, { signal: timer.signal, ref: false }).catch(() => undefined);
    const early = await Promise.race([primary, late]);
    if (early) return early;
    return await Promise.any([primary, run('backup')]).catch((error: AggregateError) => {
      throw error.errors[0];
    });
  } finally {
    timer.abort();
  }
}
