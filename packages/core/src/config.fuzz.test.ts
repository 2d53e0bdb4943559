import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

// Config files are user input: whatever they hold, loading either succeeds or fails with a
// ConfigError that names what was wrong — never another exception.

const runs = Number(process.env.EXAI_FUZZ_RUNS ?? 1_000);
const directory = mkdtempSync(join(tmpdir(), 'exai-config-fuzz-'));

function expectCleanOutcome(load: () => unknown) {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(0);
    expect((error as Error).message).not.toMatch(/\bat .+:\d+:\d+/);
  }
}

const providerLike = fc.record(
  {
    kind: fc.oneof(fc.constantFrom('openai', 'glm', 'kimi', 'minimax', 'openai-compatible'), fc.string()),
    baseURL: fc.oneof(fc.webUrl(), fc.string()),
    apiKey: fc.string(),
    weight: fc.oneof(fc.double(), fc.integer()),
    models: fc.array(
      fc.record({ id: fc.string(), contextWindow: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: [] }),
    ),
  },
  { requiredKeys: [] },
);

const configLike = fc.record(
  {
    providers: fc.dictionary(fc.string(), fc.oneof(providerLike, fc.anything())),
    timeouts: fc.dictionary(
      fc.constantFrom('requestMs', 'attemptMs', 'firstTokenMs', 'idleMs', 'other'),
      fc.oneof(fc.integer(), fc.double(), fc.string()),
    ),
    retry: fc.anything(),
    fallbacks: fc.oneof(fc.dictionary(fc.string(), fc.array(fc.string())), fc.anything()),
    logLevel: fc.string(),
    store: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('config fuzzing', () => {
  it('any structured input loads or is rejected with named issues', () => {
    fc.assert(
      fc.property(fc.oneof(configLike, fc.anything()), (input) => {
        expectCleanOutcome(() => loadConfig({ input, env: {} }));
      }),
      { numRuns: runs },
    );
  });

  it('any file text (JSON or YAML) loads or is rejected with named issues', () => {
    let index = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          configLike.map((value) => JSON.stringify(value)),
        ),
        fc.boolean(),
        (text, asJson) => {
          const file = join(directory, `config-${index++}.${asJson ? 'json' : 'yaml'}`);
          writeFileSync(file, text);
          expectCleanOutcome(() => loadConfig({ file, env: {} }));
        },
      ),
      { numRuns: runs },
    );
  });

  it('any environment values load or are rejected with named issues', () => {
    const names = [
      'EXAI_LOG_LEVEL',
      'EXAI_REQUEST_TIMEOUT_MS',
      'EXAI_FIRST_TOKEN_TIMEOUT_MS',
      'EXAI_MAX_CONCURRENCY',
      'GLM_BASE_URL',
      'GLM_API_KEY',
      'EXAI_DATA_DIR',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.string()), (env) => {
        expectCleanOutcome(() => loadConfig({ env }));
      }),
      { numRuns: runs },
    );
  });
});
