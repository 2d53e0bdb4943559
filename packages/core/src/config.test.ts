import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('works with nothing configured', () => {
    const config = loadConfig({ env: {} });
    expect(config.providers).toEqual({});
    expect(config.breaker.volumeThreshold).toBe(5);
    expect(config.breaker.errorThresholdPercentage).toBe(50);
    expect(config.concurrency.perConversation).toBe(1);
  });

  it('enables providers from their key variables, including the alternative names', () => {
    const config = loadConfig({
      env: { ZAI_API_KEY: 'zai-key-123', MOONSHOT_API_KEY: 'moon-key-123', KIMI_BASE_URL: 'http://127.0.0.1:9/v1' },
    });
    expect(config.providers.glm).toMatchObject({ kind: 'glm', apiKey: 'zai-key-123' });
    expect(config.providers.kimi).toMatchObject({
      kind: 'kimi',
      apiKey: 'moon-key-123',
      baseURL: 'http://127.0.0.1:9/v1',
    });
    expect(config.providers.openai).toBeUndefined();
  });

  it('reads a YAML file and lets the environment override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exai-config-'));
    const file = join(dir, 'exai.yaml');
    writeFileSync(
      file,
      'providers:\n  local:\n    kind: openai-compatible\n    baseURL: http://127.0.0.1:11434/v1\n' +
        '    apiKeyEnv: LOCAL_KEY\ntimeouts:\n  firstTokenMs: 5000\nfallbacks:\n  glm: [kimi, minimax]\n',
    );
    const config = loadConfig({ file, env: { LOCAL_KEY: 'local-key-1', EXAI_FIRST_TOKEN_TIMEOUT_MS: '7000' } });
    expect(config.providers.local).toMatchObject({ kind: 'openai-compatible', apiKey: 'local-key-1' });
    expect(config.timeouts.firstTokenMs).toBe(7000);
    expect(config.fallbacks.glm).toEqual(['kimi', 'minimax']);
    expect(config.store.redisPrefix).toBe('exai:');
    expect(loadConfig({ env: { EXAI_REDIS_PREFIX: 'team-a:' } }).store.redisPrefix).toBe('team-a:');
  });

  it('names every bad field', () => {
    const bad = { providers: { x: { kind: 'nope', baseURL: 'not a url' } }, retry: { maxAttempts: 0 } };
    try {
      loadConfig({ input: bad, env: {} });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const paths = (error as ConfigError).issues.map((issue) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['providers.x.kind', 'providers.x.baseURL', 'retry.maxAttempts']));
      expect((error as Error).message).toContain('providers.x.kind');
    }
  });

  it('rejects a bad value from the environment clearly', () => {
    expect(() => loadConfig({ env: { EXAI_LOG_LEVEL: 'loud' } })).toThrow(/logLevel/);
    expect(() => loadConfig({ env: { GLM_API_KEY: 'key-123456', GLM_BASE_URL: 'not a url' } })).toThrow(
      /providers\.glm\.baseURL/,
    );
  });

  it('keeps the request log 30 days by default; EXAI_REQUEST_LOG_RETENTION_DAYS changes it, 0 keeps it forever', () => {
    expect(loadConfig({ env: {} }).store).toMatchObject({
      requestLogRetentionDays: 30,
      maintenanceIntervalMs: 15 * 60_000,
    });
    expect(loadConfig({ env: { EXAI_REQUEST_LOG_RETENTION_DAYS: '7' } }).store.requestLogRetentionDays).toBe(7);
    expect(loadConfig({ env: { EXAI_REQUEST_LOG_RETENTION_DAYS: '0' } }).store.requestLogRetentionDays).toBe(0);
    expect(() => loadConfig({ env: { EXAI_REQUEST_LOG_RETENTION_DAYS: '-1' } })).toThrow(
      /store\.requestLogRetentionDays/,
    );
  });

  it('reports an unreadable file without a stack of internals', () => {
    expect(() => loadConfig({ file: '/nonexistent/exai.json', env: {} })).toThrow(/cannot read/);
  });
});
