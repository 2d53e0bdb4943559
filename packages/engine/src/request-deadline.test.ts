import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RequestDeadline } from './router.js';

/**
 * The one signal of a call that several others end (the request's cancellation, a session's, a deadline): used by
 * chats, by streams for as long as they are read, and by each streaming attempt.
 */
describe('RequestDeadline', () => {
  it('aborts with the reason of whichever caller aborts', () => {
    const request = new AbortController();
    const session = new AbortController();
    const link = new RequestDeadline([request.signal, session.signal]);
    session.abort(new Error('session timed out'));
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as Error).message).toBe('session timed out');
    request.abort(new Error('later'));
    expect((link.signal.reason as Error).message).toBe('session timed out');
  });

  it('aborts at its timeout with a TimeoutError, as AbortSignal.timeout does', async () => {
    const link = new RequestDeadline(undefined, 10);
    await sleep(60);
    expect(link.signal.aborted).toBe(true);
    expect((link.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('is aborted at once when a caller already is', () => {
    const caller = new AbortController();
    caller.abort(new Error('gone'));
    const link = new RequestDeadline([new AbortController().signal, caller.signal]);
    expect((link.signal.reason as Error).message).toBe('gone');
  });

  it('lets go of its callers and its timer once disposed', async () => {
    const caller = new AbortController();
    const link = new RequestDeadline(caller.signal, 10);
    link.dispose();
    await sleep(60);
    caller.abort(new Error('after the call'));
    expect(link.signal.aborted).toBe(false);
  });
});
