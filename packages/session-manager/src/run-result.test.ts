import { GatewayError, RateLimitedError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from './index.js';

describe('run and runSettled', () => {
  it('run returns the value and records a completed session', async () => {
    const manager = createSessionManager();
    const value = await manager.run(async ({ session }) => `hello from ${session.requestId}`, {
      requestId: 'r1',
      provider: 'openai',
      model: 'gpt-4o',
    });
    expect(value).toBe('hello from r1');
    const record = manager.get('r1');
    expect(record).toMatchObject({
      requestId: 'r1',
      status: 'completed',
      provider: 'openai',
      model: 'gpt-4o',
      conversationId: undefined,
    });
    expect(record?.error).toBeUndefined();
    expect(record!.startedAt!).toBeGreaterThanOrEqual(record!.queuedAt);
    expect(record!.endedAt!).toBeGreaterThanOrEqual(record!.startedAt!);
  });

  it('generates a UUID requestId when none is given', async () => {
    const manager = createSessionManager();
    const result = await manager.runSettled(async () => 1);
    expect(result.session.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('run rethrows a typed error unchanged and records its code', async () => {
    const manager = createSessionManager();
    const error = new RateLimitedError({ provider: 'openai', retryAfterMs: 500 });
    await expect(manager.run(async () => Promise.reject(error), { requestId: 'r2' })).rejects.toBe(error);
    expect(manager.get('r2')).toMatchObject({ status: 'failed', error: 'rate_limited' });
  });

  it('wraps anything else thrown into a GatewayError (server) keeping the cause', async () => {
    const manager = createSessionManager();
    const thrown = new TypeError('boom');
    const result = await manager.runSettled(
      () => {
        throw thrown;
      },
      { provider: 'glm', model: 'glm-4.6' },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(GatewayError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({ code: 'server', provider: 'glm', model: 'glm-4.6', message: 'boom' });
    expect(result.error.cause).toBe(thrown);
    expect(result.session).toMatchObject({ status: 'failed', error: 'server' });
  });

  it('runSettled gives { ok: true, value, session } with the final record', async () => {
    const manager = createSessionManager();
    const result = await manager.runSettled(async () => ({ answer: 42 }), { conversationId: 'c1' });
    expect(result).toMatchObject({
      ok: true,
      value: { answer: 42 },
      session: { status: 'completed', conversationId: 'c1' },
    });
  });

  it('refuses a requestId that is already live, without disturbing the live one', async () => {
    const manager = createSessionManager();
    let release!: () => void;
    const first = manager.run(() => new Promise<string>((resolve) => (release = () => resolve('first'))), {
      requestId: 'same',
    });
    const second = await manager.runSettled(async () => 'second', { requestId: 'same' });
    expect(second).toMatchObject({ ok: false, error: { code: 'bad_request', param: 'requestId' } });
    expect(manager.get('same')?.status).toBe('running');
    release();
    await expect(first).resolves.toBe('first');
  });

  it('turns a bad timeoutMs into a bad_request error', async () => {
    const manager = createSessionManager();
    await expect(manager.run(async () => 1, { timeoutMs: -5 })).rejects.toMatchObject({
      code: 'bad_request',
      param: 'timeoutMs',
    });
  });
});
