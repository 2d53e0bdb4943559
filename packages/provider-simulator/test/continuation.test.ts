import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { ask, chat, joined, type Loose, parseSse, readAll } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const question = 'tell me about the weather in three short words please';
const full = `Simulated answer to: ${question}`;

async function streamed(dialect: 'openai' | 'kimi' | 'glm' | 'minimax', body: Record<string, unknown>) {
  const { text, failed } = await readAll(await chat(sim, dialect, { ...body, stream: true }));
  const { events, done } = parseSse(text);
  return { content: joined(events, 'content'), reasoning: joined(events, 'reasoning_content'), done, failed };
}

describe('cuts at a character', () => {
  it.each([21, 25])('stream-cut?chars=%i delivers exactly that much content, then cuts', async (chars) => {
    const result = await streamed('openai', ask(`gpt-4o~stream-cut?chars=${chars}`, question));
    expect(result.content).toBe(full.slice(0, chars));
    expect(result.done).toBe(false);
  });

  it('counts content only, after the reasoning (GLM thinks by default)', async () => {
    const result = await streamed('glm', ask('glm-4.6~stream-cut?chars=30', question));
    expect(result.reasoning).toBe(`Thinking about: ${question}`);
    expect(result.content).toBe(full.slice(0, 30));
  });

  it('missing-done?after=N ends the body cleanly after N events, without a finish or [DONE]', async () => {
    const { text, failed } = await readAll(
      await chat(sim, 'openai', ask('gpt-4o~missing-done?after=2', question, { stream: true })),
    );
    const { events, done } = parseSse(text);
    expect(failed).toBe(false);
    expect(done).toBe(false);
    expect(events).toHaveLength(2);
    expect(events.some((event) => (event as Loose).choices?.[0]?.finish_reason)).toBe(false);
  });
});

describe('stream-error', () => {
  it('streams N events, then an error event in the dialect shape, then ends without [DONE]', async () => {
    const { text } = await readAll(
      await chat(sim, 'glm', ask('glm-4.6~stream-error?after=3&kind=unavailable', question, { stream: true })),
    );
    const { events, done } = parseSse(text);
    expect(done).toBe(false);
    expect(events).toHaveLength(4);
    expect((events.at(-1) as Loose).error.code).toBe('1312');
  });
});

describe('continuations', () => {
  const partial = full.slice(0, 27);
  /** A request to `model`: the question, then `turns`. */
  const afterQuestion = (model: string, ...turns: Array<Record<string, unknown>>) => ({
    model,
    messages: [{ role: 'user', content: question }, ...turns],
  });

  it('a final assistant message (prefill) gets exactly the rest of the answer', async () => {
    const body = afterQuestion('kimi-k2.5', { role: 'assistant', content: partial, partial: true });
    const result = await streamed('kimi', body);
    expect(partial + result.content).toBe(full);
    expect(result.reasoning).toBe('');
    const json = (await (await chat(sim, 'kimi', body)).json()) as Loose;
    expect(partial + json.choices[0].message.content).toBe(full);
  });

  it('the instruction form (assistant text, then a user asking to continue) gets the rest too', async () => {
    const body = afterQuestion(
      'gpt-4o',
      { role: 'assistant', content: partial },
      { role: 'user', content: 'Continue the answer above exactly from its last character.' },
    );
    expect(partial + (await streamed('openai', body)).content).toBe(full);
  });

  it('overlap=N repeats that many characters before the rest', async () => {
    const body = afterQuestion('gpt-4o~ok?overlap=4', { role: 'assistant', content: partial });
    expect((await streamed('openai', body)).content).toBe(full.slice(partial.length - 4));
  });

  it('a partial reasoning is continued, then the whole content follows', async () => {
    const reasoning = `Thinking about: ${question}`;
    const body = afterQuestion('glm-4.6', {
      role: 'assistant',
      content: '',
      reasoning_content: reasoning.slice(0, 12),
    });
    const result = await streamed('glm', body);
    expect(reasoning.slice(0, 12) + result.reasoning).toBe(reasoning);
    expect(result.content).toBe(full);
  });

  it('a finished earlier answer in a conversation is not a continuation', async () => {
    const body = afterQuestion('gpt-4o', { role: 'assistant', content: full }, { role: 'user', content: 'continue' });
    expect((await streamed('openai', body)).content).toBe('Simulated answer to: continue');
  });

  it('refuse-prefill answers 400 to a final assistant message, and normally otherwise', async () => {
    sim.script('kimi-k2.5', 'refuse-prefill');
    const refused = await chat(
      sim,
      'kimi',
      afterQuestion('kimi-k2.5', { role: 'assistant', content: partial, partial: true }),
    );
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Loose).error.message).toContain('prefill');
    expect((await chat(sim, 'kimi', ask('kimi-k2.5', question))).status).toBe(200);
  });
});
