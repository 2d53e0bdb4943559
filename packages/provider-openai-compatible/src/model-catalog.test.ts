import { describe, expect, it } from 'vitest';
import { createModelCatalog } from './model-catalog.js';

const catalog = createModelCatalog(
  [
    {
      id: 'big-model',
      contextWindow: 400_000,
      maxOutput: 128_000,
      aliases: ['big'],
      capabilities: { thinking: true, vision: true },
      tier: 'deep',
    },
    { id: 'small-model', contextWindow: 128_000, aliases: ['small'] },
  ],
  [],
  { provider: 'acme' },
);

describe('createModelCatalog', () => {
  it('resolves ids and aliases (case-insensitively as a fallback)', () => {
    expect(catalog.resolve('big-model')).toMatchObject({
      id: 'big-model',
      provider: 'acme',
      contextWindow: 400_000,
      tier: 'deep',
    });
    expect(catalog.resolve('big').id).toBe('big-model');
    expect(catalog.resolve('BIG').id).toBe('big-model');
    expect(catalog.resolve('small').capabilities).toEqual({
      tools: true,
      streaming: true,
      vision: false,
      thinking: false,
      webSearch: false,
      files: false,
    });
    expect(catalog.aliases()).toEqual({ big: 'big-model', small: 'small-model' });
  });

  it('passes an unknown id through with conservative defaults', () => {
    expect(catalog.resolve('mystery-1')).toEqual({
      id: 'mystery-1',
      provider: 'acme',
      contextWindow: 32_768,
      maxOutput: 4_096,
      capabilities: { tools: true, streaming: true, vision: false, thinking: false, webSearch: false, files: false },
      inferred: true,
    });
    expect(catalog.has('mystery-1')).toBe(false);
  });

  it('applies config overrides: change an entry, add one, move an alias', () => {
    const changed = catalog.withOverrides([
      { id: 'small-model', maxOutput: 8_000, capabilities: { vision: true } },
      { id: 'local-llama', contextWindow: 8_192, aliases: ['big'] },
    ]);
    expect(changed.resolve('small')).toMatchObject({ maxOutput: 8_000, contextWindow: 128_000 });
    expect(changed.resolve('small').capabilities.vision).toBe(true);
    expect(changed.resolve('local-llama')).toMatchObject({ contextWindow: 8_192, maxOutput: 4_096 });
    expect(changed.resolve('local-llama').inferred).toBeUndefined();
    expect(changed.resolve('big').id).toBe('local-llama');
    expect(changed.list().map((model) => model.id)).toEqual(['big-model', 'small-model', 'local-llama']);
    // The original is unchanged.
    expect(catalog.resolve('small').maxOutput).toBe(4_096);
  });

  it('returns copies callers cannot use to corrupt the catalog', () => {
    const model = catalog.resolve('big');
    model.capabilities.vision = false;
    expect(catalog.resolve('big').capabilities.vision).toBe(true);
    expect(catalog.withProvider('other').resolve('big').provider).toBe('other');
  });
});
