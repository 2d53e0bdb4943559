import { GatewayError } from '@exai/core';
import { useSimulator } from '@exai/provider-simulator/test';
import { describe, expect, it } from 'vitest';
import { createSessionManager } from '../src/index.js';
import { chat, waitFor } from './simulator-helpers.js';

describe('timeout against the provider simulator', () => {
  const simulator = useSimulator();

  it('a provider that never answers ends with timeout at the configured time, and the upstream request is torn down', async () => {
    const manager = createSessionManager({ defaultTimeoutMs: 300 });
    const started = performance.now();
    const error = await manager
      .run(({ signal }) => chat(simulator, { signal, scenario: 'no-response' }), {
        provider: 'openai',
        model: 'gpt-4o-mini',
        requestId: 'hang',
      })
      .catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    expect(GatewayError.isInstance(error) && error.code).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(2_000); // no-response: only the timeout ends it
    expect(manager.get('hang')).toMatchObject({ status: 'timed_out', error: 'timeout' });
    const attempt = await waitFor(() =>
      simulator.sim.log.find((row) => row.scenario === 'no-response' && row.durationMs !== null),
    );
    expect(attempt.clientHungUp).toBe(true);
    expect(attempt.status).toBeNull();
    expect(manager.metrics()).toMatchObject({ inFlight: 0, abandoned: 0 });
  });
});
