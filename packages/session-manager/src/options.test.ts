import { describe, expect, it } from 'vitest';
import { createSessionManager, sessionManagerDefaults } from './index.js';

describe('options', () => {
  it('defaults match the concurrency section of the gateway config', async () => {
    const { configSchema } = await import('@exai/core');
    const concurrency = configSchema.parse({}).concurrency;
    expect(sessionManagerDefaults).toMatchObject({
      global: concurrency.global,
      perProvider: concurrency.perProvider,
      perConversation: concurrency.perConversation,
      maxQueue: concurrency.maxQueue,
      defaultTimeoutMs: configSchema.parse({}).timeouts.requestMs,
    });
  });

  it('accepts the config concurrency section as is', async () => {
    const { loadConfig } = await import('@exai/core');
    const config = loadConfig({ env: {}, input: { concurrency: { global: 8, perProvider: 2 } } });
    const manager = createSessionManager({ ...config.concurrency, defaultTimeoutMs: config.timeouts.requestMs });
    await expect(manager.run(async () => 'ok')).resolves.toBe('ok');
  });

  it.each([
    [{ global: 0 }, 'global'],
    [{ perProvider: 1.5 }, 'perProvider'],
    [{ perProvider: { openai: 0 } }, 'perProvider.openai'],
    [{ perConversation: -1 }, 'perConversation'],
    [{ maxQueue: -1 }, 'maxQueue'],
    [{ defaultTimeoutMs: 0 }, 'defaultTimeoutMs'],
    [{ historySize: Number.NaN }, 'historySize'],
  ])('rejects %o naming the option', (options, name) => {
    expect(() => createSessionManager(options)).toThrow(new RegExp(`\`${name.replace('.', '\\.')}\``));
  });
});
