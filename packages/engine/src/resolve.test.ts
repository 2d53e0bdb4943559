import { loadConfig } from '@exai/core';
import { createGlm } from '@exai/provider-glm';
import { createKimi } from '@exai/provider-kimi';
import { createMinimax } from '@exai/provider-minimax';
import { describe, expect, it } from 'vitest';
import { ModelResolver } from './resolve.js';

// Resolution touches no network: the adapters' catalogs are data.
const adapters = [
  createGlm({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/glm' }),
  createKimi({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/kimi' }),
  createMinimax({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/minimax' }),
];
const resolver = (input: Record<string, unknown> = {}, random?: () => number) =>
  new ModelResolver(adapters, loadConfig({ env: {}, input }), random);

describe('model resolution', () => {
  it('resolves provider/model, bare ids and catalog aliases', () => {
    expect(resolver().resolve('kimi/kimi-k2.5')[0]).toMatchObject({ provider: 'kimi', model: 'kimi-k2.5' });
    expect(resolver().resolve('glm-4.6')[0]).toMatchObject({ provider: 'glm', model: 'glm-4.6' });
    expect(resolver().resolve('minimax')[0]).toMatchObject({ provider: 'minimax', model: 'MiniMax-M3' });
  });

  it('applies configured aliases before the catalogs', () => {
    expect(resolver({ aliases: { fast: 'glm/glm-4.5-air' } }).resolve('fast')[0]).toMatchObject({
      provider: 'glm',
      model: 'glm-4.5-air',
    });
  });

  it('passes an id the catalog lacks through to the provider its name belongs to, with conservative defaults', () => {
    const [target] = resolver().resolve('glm-9-preview');
    expect(target).toMatchObject({ provider: 'glm', model: 'glm-9-preview' });
    expect(target?.info.inferred).toBe(true);
    expect(target?.info.contextWindow).toBeLessThanOrEqual(32_768);
  });

  it('reads aliases by own keys only: prototype names are unknown models', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => resolver({ aliases: { fast: 'glm/glm-4.5-air' } }).resolve(name)).toThrow(
        expect.objectContaining({ code: 'not_found', param: 'model' }),
      );
    }
  });

  it('rejects an unknown model with the list of what is available', () => {
    expect(() => resolver().resolve('llama-99')).toThrow(/Available: .*glm\/glm-5\.3.*kimi\/kimi-k2\.5/s);
  });

  it('auto picks by category and required capabilities', () => {
    const deep = resolver().resolve('auto', { category: 'deep' })[0]!;
    expect(deep.info.tier).toBe('deep');
    const fast = resolver().resolve('auto', { category: 'fast' })[0]!;
    expect(fast.info.tier).toBe('fast');
    const withFiles = resolver().resolve('auto', { files: true });
    expect(withFiles.length).toBeGreaterThan(0);
    expect(withFiles.every((target) => target.info.capabilities.files)).toBe(true);
    const vision = resolver().resolve('auto', { vision: true, minContext: 100_000 });
    expect(vision.every((target) => target.info.capabilities.vision && target.info.contextWindow >= 100_000)).toBe(
      true,
    );
  });

  it('respects the allow-list in auto, names and the error', () => {
    const limited = resolver({ allowedModels: ['kimi/kimi-k2.5', 'glm-4.6'] });
    expect(
      limited
        .resolve('auto')
        .map((target) => `${target.provider}/${target.model}`)
        .sort(),
    ).toEqual(['glm/glm-4.6', 'kimi/kimi-k2.5']);
    expect(() => limited.resolve('minimax')).toThrow(/not in the allowed models/);
  });

  it('balances a model served by several providers by weight', () => {
    const twoKeys = [
      createGlm({ id: 'glm-a', apiKey: 'a', baseURL: 'http://127.0.0.1:9/a' }),
      createGlm({ id: 'glm-b', apiKey: 'b', baseURL: 'http://127.0.0.1:9/b' }),
    ];
    const config = loadConfig({
      env: {},
      input: { providers: { 'glm-a': { kind: 'glm', weight: 3 }, 'glm-b': { kind: 'glm', weight: 1 } } },
    });
    let seed = 1;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const balanced = new ModelResolver(twoKeys, config, random);
    const firsts = Array.from({ length: 4_000 }, () => balanced.resolve('glm-4.6')[0]!.provider);
    const share = firsts.filter((provider) => provider === 'glm-a').length / firsts.length;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    // Both stay in the chain: the other is the fallback.
    expect(
      balanced
        .resolve('glm-4.6')
        .map((target) => target.provider)
        .sort(),
    ).toEqual(['glm-a', 'glm-b']);
  });
});
