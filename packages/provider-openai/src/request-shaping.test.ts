import { describe, expect, it } from 'vitest';
import { openaiCatalog } from './create-openai.js';
import { effortFromThinking, isReasoningModel } from './request-shaping.js';

describe('OpenAI request shaping rules', () => {
  const catalog = openaiCatalog();
  it('knows reasoning models from the catalog, and from the id when inferred', () => {
    expect(isReasoningModel(catalog.resolve('gpt'))).toBe(true);
    expect(isReasoningModel(catalog.resolve('gpt-4.1'))).toBe(false);
    expect(isReasoningModel(catalog.resolve('o5-mini'))).toBe(true);
    expect(isReasoningModel(catalog.resolve('gpt-5.9-pro'))).toBe(true);
    expect(isReasoningModel(catalog.resolve('gpt-5-chat-latest'))).toBe(false);
    expect(isReasoningModel(catalog.resolve('gpt-4o-2024-11-20'))).toBe(false);
  });

  it('maps thinking to an effort', () => {
    expect(effortFromThinking(undefined)).toBeUndefined();
    expect(effortFromThinking({ type: 'disabled' })).toBe('low');
    expect(effortFromThinking({ type: 'enabled' })).toBe('medium');
    expect(effortFromThinking({ type: 'enabled', budget_tokens: 1_000 })).toBe('low');
    expect(effortFromThinking({ type: 'enabled', budget_tokens: 50_000 })).toBe('high');
  });
});
