import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatChunk } from '@exai/core';
import { loadConfig } from '@exai/core';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../src/index.js';
import { openEngine, simulatorPerFile } from './helpers.js';

// A broken stream continued on the next provider: the caller's joined text equals the answer the
// simulator gives uninterrupted, byte for byte, wherever the cut falls.

const file = simulatorPerFile();
const engines = file.engines;

const question = 'why do streams break, and how does a gateway finish the answer for its caller';
const full = `Simulated answer to: ${question}`;
const thinking = `Thinking about: ${question}`;

async function engineFor(): Promise<Engine> {
  const provider = (kind: 'glm' | 'kimi' | 'minimax' | 'openai') => ({
    kind,
    baseURL: file.sim.baseURL(kind),
    apiKey: `sim-key-${kind}`,
  });
  const config = loadConfig({
    env: {},
    input: {
      providers: {
        glm: provider('glm'),
        kimi: provider('kimi'),
        minimax: provider('minimax'),
        openai: provider('openai'),
      },
      fallbacks: { 'glm-4.6': ['kimi/kimi-k2-thinking'], 'MiniMax-M2': ['openai/gpt-4o'] },
      timeouts: { requestMs: 10_000, attemptMs: 2_000, firstTokenMs: 2_000, idleMs: 400 },
      retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 1_000 },
      store: { dataDir: mkdtempSync(join(tmpdir(), 'exai-seam-')) },
      logLevel: 'silent',
    },
  });
  const { engine } = await openEngine(config);
  engines.push(engine);
  return engine;
}

async function read(engine: Engine, model: string) {
  const stream = engine.stream({ model, messages: [{ role: 'user', content: question }] });
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = (field: 'content' | 'reasoning_content') =>
    chunks.map((chunk) => chunk.choices[0]?.delta[field] ?? '').join('');
  return {
    content: text('content'),
    reasoning: text('reasoning_content'),
    finishes: chunks.filter((chunk) => chunk.choices[0]?.finish_reason).map((chunk) => chunk.choices[0]!.finish_reason),
    roles: chunks.filter((chunk) => chunk.choices[0]?.delta.role).length,
    usage: chunks.findLast((chunk) => chunk.usage)?.usage,
    meta: stream.meta,
  };
}

/** Requests to `model` whose last message is an assistant message (a prefill). */
const prefills = (model: string) =>
  file.sim.log.filter((attempt) => {
    const messages = (attempt.body as { messages?: Array<{ role: string }> } | undefined)?.messages;
    return attempt.model === model && messages?.at(-1)?.role === 'assistant';
  }).length;

// 21: after "Simulated answer to:" (a word boundary); 27 and 50: inside a word.
const cuts = [21, 27, 50];

/** `model` broken by `scenario`: the joined answer is the whole one (content, reasoning, one `stop`). */
async function readWhole(model: string, scenario: string) {
  const engine = await engineFor();
  file.sim.script(model, scenario);
  const result = await read(engine, model);
  expect(result.content).toBe(full);
  expect(result.reasoning).toBe(thinking);
  expect(result.finishes).toEqual(['stop']);
  return result;
}

describe('GLM cut after N characters, Kimi continues', () => {
  it.each(cuts)('with prefill: cut at %i, joined text equals the full answer', async (chars) => {
    const result = await readWhole('glm-4.6', `stream-cut?chars=${chars}`);
    expect(result.roles).toBe(1);
    expect(result.meta.resumed).toEqual([{ provider: 'kimi', model: 'kimi-k2-thinking', at_char: chars }]);
    expect(prefills('kimi-k2-thinking')).toBe(1);
    // Usage over both attempts: more than the continuation's own.
    expect(result.usage!.completion_tokens).toBeGreaterThan(Math.ceil((full.length - chars) / 4));
    expect(result.meta.attempts.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
      ['glm', 'stream_interrupted'],
      ['kimi', 'ok'],
    ]);
  });

  it.each(cuts)('a fallback that refuses prefill: learned, asked in words; cut at %i', async (chars) => {
    const engine = await engineFor();
    file.sim.script('glm-4.6', `stream-cut?chars=${chars}`);
    file.sim.script('kimi-k2-thinking', 'refuse-prefill');
    const result = await read(engine, 'glm-4.6');
    expect(result.content).toBe(full);
    expect(result.finishes).toEqual(['stop']);
    expect(prefills('kimi-k2-thinking')).toBe(1);
    // The refusal is remembered: the next continuation on that target goes straight to words.
    const again = await read(engine, 'glm-4.6');
    expect(again.content).toBe(full);
    expect(prefills('kimi-k2-thinking')).toBe(1);
  });

  it('a repeat at the seam (the continuation restates the last characters) is trimmed, never doubled', async () => {
    const engine = await engineFor();
    file.sim.script('glm-4.6', 'stream-cut?chars=40');
    file.sim.script('kimi-k2-thinking', 'ok?overlap=12');
    expect((await read(engine, 'glm-4.6')).content).toBe(full);
  });

  it('a cut inside the reasoning: the reasoning is continued, then the whole content', async () => {
    const engine = await engineFor();
    file.sim.script('glm-4.6', 'stream-cut?after=4');
    const result = await read(engine, 'glm-4.6');
    expect(result.reasoning).toBe(thinking);
    expect(result.content).toBe(full);
    expect(result.meta.resumed?.[0]?.at_char).toBe(0);
  });
});

describe('MiniMax stall, OpenAI continues (no prefill: asked in words)', () => {
  it.each(cuts)('stall at %i: joined text equals the full answer', async (chars) => {
    const result = await readWhole('MiniMax-M2', `stream-stall?chars=${chars}`);
    expect(result.meta.resumed).toEqual([{ provider: 'openai', model: 'gpt-4o', at_char: chars }]);
    expect(prefills('gpt-4o')).toBe(0);
    await expect.poll(() => file.sim.log.find((attempt) => attempt.model === 'MiniMax-M2')?.clientHungUp).toBe(true);
  });
});
