import { GatewayError, RateLimitedError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ProviderErrorStructure } from '../src/index.js';
import { adapterFor, collect, settled, TEST_KEY, useSimulator } from './setup.js';

const context = useSimulator();
const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (GatewayError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('error mapping against the simulator', () => {
  it('maps 401 from a bad key to upstream_auth (502: the gateway key, not the caller key), with provider, model and status, and never the key', async () => {
    const adapter = adapterFor(context.sim, { apiKey: 'bad-key' });
    const error = await failure(adapter.chat(ask('gpt-test')));
    expect(error).toMatchObject({
      code: 'upstream_auth',
      statusCode: 502,
      provider: 'testprov',
      model: 'gpt-test',
      isRetryable: false,
    });
    expect(error.message).toContain('Invalid Authentication');
    expect(error.message).not.toContain('bad-key');
    expect(JSON.stringify(error)).not.toContain('bad-key');
    expect(error.responseBody ?? '').not.toContain('bad-key');
  });

  it.each([
    ['context-length', 'context_length', 400],
    ['content-filter', 'content_filter', 400],
    ['http-400', 'bad_request', 400],
    ['http-404', 'not_found', 404],
    ['http-500', 'server', 500],
    ['http-502', 'server', 502],
    ['http-503', 'overloaded', 503],
  ])('maps scenario %s to %s', async (scenario, code, status) => {
    const adapter = adapterFor(context.sim);
    const error = await failure(adapter.chat(ask(`gpt-test~${scenario}`)));
    expect(error).toMatchObject({ code, statusCode: status, provider: 'testprov' });
  });

  it('maps a streamed request error the same way', async () => {
    const adapter = adapterFor(context.sim);
    const error = await failure(collect(adapter.stream(ask('gpt-test~context-length'))));
    expect(error.code).toBe('context_length');
  });

  it('maps 429 with Retry-After to rate_limited with retryAfterMs', async () => {
    const adapter = adapterFor(context.sim);
    const error = await failure(adapter.chat(ask('gpt-test~http-429?retry_after=2')));
    expect(RateLimitedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'rate_limited', statusCode: 429, retryAfterMs: 2_000, isProviderFault: true });
    const precise = await failure(adapter.chat(ask('gpt-test~http-429?retry_after=2&retry_after_ms=1500')));
    expect(precise.retryAfterMs).toBe(1_500);
  });

  it('reaches the upstream exactly once per call: no hidden SDK retries', async () => {
    const adapter = adapterFor(context.sim);
    await failure(adapter.chat(ask('gpt-test~http-500')));
    await failure(adapter.chat(ask('gpt-test~http-503')));
    await failure(adapter.chat(ask('gpt-test~http-429?retry_after=0')));
    const attempts = await context.sim.attempts();
    expect(attempts.map((attempt) => attempt.status)).toEqual([500, 503, 429]);
  });

  it('a request that cannot be serialised is a bad_request that never reaches the provider nor counts against it', async () => {
    const adapter = adapterFor(context.sim);
    type Nested = { next?: Nested };
    const deep: Nested = {};
    let cursor = deep;
    for (let depth = 0; depth < 200_000; depth++) cursor = cursor.next = {};
    const error = await failure(adapter.chat({ ...ask('gpt-test'), provider_options: { deep } }));
    expect(error).toMatchObject({ code: 'bad_request', isProviderFault: false });
    expect(await context.sim.attempts()).toHaveLength(0);
  });

  it('maps a connection reset to network and a refused connection to network', async () => {
    const adapter = adapterFor(context.sim);
    const reset = await failure(adapter.chat(ask('gpt-test~reset-before-headers')));
    expect(reset).toMatchObject({ code: 'network', isProviderFault: true });
    const refused = adapterFor(context.sim, { baseURL: 'http://127.0.0.1:1/v1' });
    expect((await failure(refused.chat(ask('gpt-test')))).code).toBe('network');
    expect((await context.sim.attempts()).length).toBe(1);
  });

  it('a non-stream body cut mid-way is a network error, and a stream reset before headers too', async () => {
    const adapter = adapterFor(context.sim);
    expect(await failure(adapter.chat(ask('gpt-test~stream-cut')))).toMatchObject({
      code: 'network',
      provider: 'testprov',
    });
    const streamed = await failure(collect(adapter.stream(ask('gpt-test~reset-before-headers'))));
    expect(streamed.code).toBe('network');
  });

  it('an abort becomes cancelled and hangs up on the upstream', async () => {
    const adapter = adapterFor(context.sim);
    const controller = new AbortController();
    const pending = adapter.chat(ask('gpt-test~no-response'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    expect(error.code).toBe('cancelled');
    await settled(context.sim);
    expect(context.sim.log[0]?.clientHungUp).toBe(true);
  });

  it('an abort whose reason is a GatewayError rethrows that reason', async () => {
    const adapter = adapterFor(context.sim);
    const timeout = new GatewayError('timeout', { message: 'session deadline' });
    const error = await failure(adapter.chat(ask('gpt-test~no-response'), { signal: AbortSignal.abort(timeout) }));
    expect(error).toBe(timeout);
  });

  it('never puts the API key in a message or JSON, even when the upstream echoes it', async () => {
    const echo: typeof fetch = async () =>
      new Response(JSON.stringify({ error: { message: `Key ${TEST_KEY} is not allowed`, code: 'invalid_api_key' } }), {
        status: 401,
        headers: { 'content-type': 'application/json' },
      });
    const adapter = adapterFor(context.sim, { fetch: echo });
    const error = await failure(adapter.chat(ask('gpt-test')));
    expect(error.code).toBe('upstream_auth');
    expect(error.message).not.toContain(TEST_KEY);
    expect(JSON.stringify(error)).not.toContain(TEST_KEY);
    expect(error.responseBody).not.toContain(TEST_KEY);
    expect(String(error.stack)).not.toContain(TEST_KEY);
  });

  it("uses the provider's error structure first and falls back to the status classifier", async () => {
    const structure: ProviderErrorStructure<unknown> = {
      errorSchema: z.unknown(),
      errorToMessage: () => 'mapped by provider',
      classify: (_error, { status }) => (status === 500 ? { code: 'overloaded' } : undefined),
    };
    const adapter = adapterFor(context.sim, { errorStructure: structure });
    expect(await failure(adapter.chat(ask('gpt-test~http-500')))).toMatchObject({
      code: 'overloaded',
      message: expect.stringContaining('mapped by provider'),
    });
    expect((await failure(adapter.chat(ask('gpt-test~http-404')))).code).toBe('not_found');
  });
});
