import type { ChatMessage } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { type ConsensusAsk, type ConsensusParticipant, runConsensus, STANCE_PROMPTS } from './consensus.js';

const answerOf = (participant: ConsensusParticipant) =>
  `ANSWER-${participant.model}-${participant.stance ?? 'neutral'}`;

/** Resolves after `ms`, or rejects with an AbortError as soon as `signal` aborts. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });
}

const text = (messages: ChatMessage[]) => messages.map((message) => String(message.content)).join('\n');

const participants: ConsensusParticipant[] = [
  { model: 'model-a', stance: 'for' },
  { model: 'model-b', stance: 'against' },
  { model: 'model-c' },
];

describe('runConsensus', () => {
  it('asks every participant concurrently: all start before any finishes', async () => {
    const events: string[] = [];
    const ask: ConsensusAsk = async (participant, _messages, signal) => {
      events.push(`start ${participant.model}`);
      await wait(20, signal);
      events.push(`end ${participant.model}`);
      return { content: answerOf(participant), model: participant.model, provider: 'fake' };
    };
    const result = await runConsensus({ prompt: 'Should we use SQLite?', participants, ask, deadlineMs: 5_000 });
    expect(events.slice(0, 3).every((event) => event.startsWith('start'))).toBe(true);
    expect(result.partial).toBe(false);
    expect(result.responses.map((response) => (response.ok ? response.content : 'failed'))).toEqual([
      'ANSWER-model-a-for',
      'ANSWER-model-b-against',
      'ANSWER-model-c-neutral',
    ]);
    expect(result.responses.map((response) => [response.label, response.stance])).toEqual([
      ['model-a (for)', 'for'],
      ['model-b (against)', 'against'],
      ['model-c (neutral)', 'neutral'],
    ]);
    expect(result.synthesis).toBeUndefined();
  });

  it('blinds participants: each sees only its stance instructions and the question', async () => {
    const seen = new Map<string, ChatMessage[]>();
    const ask: ConsensusAsk = async (participant, messages, signal) => {
      seen.set(participant.model, messages);
      // Finish in a staggered order so later participants would see earlier answers if they leaked.
      await wait(participant.model === 'model-a' ? 1 : 30, signal);
      messages.push({ role: 'assistant', content: answerOf(participant) });
      return { content: answerOf(participant), model: participant.model, provider: 'fake' };
    };
    await runConsensus({ prompt: 'Is Rust faster than Go?', participants, ask, deadlineMs: 5_000 });
    for (const participant of participants) {
      const messages = seen.get(participant.model)!;
      expect(messages[0]).toEqual({ role: 'system', content: STANCE_PROMPTS[participant.stance ?? 'neutral'] });
      expect(messages[1]).toEqual({ role: 'user', content: 'Is Rust faster than Go?' });
      for (const other of participants.filter((candidate) => candidate !== participant)) {
        expect(text(messages)).not.toContain(answerOf(other));
      }
    }
  });

  it('stance prompts say what to argue and to stay honest; a custom system prompt comes first', async () => {
    expect(STANCE_PROMPTS.for).toMatch(/FOR/);
    expect(STANCE_PROMPTS.against).toMatch(/flaws/);
    expect(STANCE_PROMPTS.neutral).toMatch(/balanced/);
    for (const prompt of Object.values(STANCE_PROMPTS)) expect(prompt).toMatch(/evidence strongly contradicts/);
    let system = '';
    const ask: ConsensusAsk = async (_participant, messages) => {
      system = String(messages[0]!.content);
      return { content: 'ok', model: 'm', provider: 'fake' };
    };
    await runConsensus({
      prompt: 'q',
      participants: [{ model: 'm', stance: 'against', systemPrompt: 'You are a DBA.' }],
      ask,
      deadlineMs: 1_000,
    });
    expect(system).toBe(`You are a DBA.\n\n${STANCE_PROMPTS.against}`);
  });

  it('aborts a participant still running at the deadline and returns the others', async () => {
    let slowSignal: AbortSignal | undefined;
    const ask: ConsensusAsk = async (participant, _messages, signal) => {
      if (participant.model === 'slow') {
        slowSignal = signal;
        await wait(10_000, signal);
      }
      return { content: answerOf(participant), model: participant.model, provider: 'fake' };
    };
    const started = Date.now();
    const result = await runConsensus({
      prompt: 'q',
      participants: [{ model: 'fast' }, { model: 'slow' }],
      ask,
      deadlineMs: 100,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(slowSignal?.aborted).toBe(true);
    expect(result.partial).toBe(true);
    expect(result.responses[0]).toMatchObject({ ok: true, content: 'ANSWER-fast-neutral' });
    expect(result.responses[1]).toMatchObject({ ok: false, label: 'slow (neutral)', error: { code: 'timeout' } });
  });

  it('reports a participant that ignores its signal as timed out without waiting for it', async () => {
    const ask: ConsensusAsk = (participant) =>
      participant.model === 'stuck'
        ? new Promise(() => {})
        : Promise.resolve({ content: 'fine', model: participant.model, provider: 'fake' });
    const result = await runConsensus({
      prompt: 'q',
      participants: [{ model: 'ok' }, { model: 'stuck' }],
      ask,
      deadlineMs: 50,
    });
    expect(result.responses.map((response) => response.ok)).toEqual([true, false]);
    expect(result.responses[1]).toMatchObject({ error: { code: 'timeout' } });
  });

  it('gives partial results when one participant fails; the synthesis gets each answer and stance', async () => {
    const synthesisCalls: { participant: ConsensusParticipant; messages: ChatMessage[] }[] = [];
    const ask: ConsensusAsk = async (participant) => {
      if (participant.model === 'model-b') throw new Error('upstream exploded');
      return { content: answerOf(participant), model: participant.model, provider: 'fake' };
    };
    const synthesisAsk: ConsensusAsk = async (participant, messages) => {
      synthesisCalls.push({ participant, messages });
      return { content: 'SYNTHESIS', model: participant.model, provider: 'judge-provider' };
    };
    const result = await runConsensus({
      prompt: 'Should we adopt GraphQL?',
      participants,
      ask,
      deadlineMs: 1_000,
      synthesize: { model: 'judge', ask: synthesisAsk },
    });
    expect(result.partial).toBe(true);
    expect(result.responses[1]).toMatchObject({ ok: false, error: { code: 'server', message: 'upstream exploded' } });
    expect(result.synthesis).toEqual({ model: 'judge', provider: 'judge-provider', content: 'SYNTHESIS' });
    expect(synthesisCalls).toHaveLength(1);
    expect(synthesisCalls[0]!.participant.model).toBe('judge');
    const prompt = text(synthesisCalls[0]!.messages);
    expect(prompt).toContain('Should we adopt GraphQL?');
    expect(prompt).toContain('ANSWER from model-a (for) (stance: for)');
    expect(prompt).toContain('ANSWER-model-a-for');
    expect(prompt).toContain('(stance: neutral)');
    expect(prompt).toContain('ANSWER-model-c-neutral');
    expect(prompt).toContain('No answer from: model-b (against)');
  });

  it('synthesises with the main ask by default', async () => {
    const asked: string[] = [];
    const ask: ConsensusAsk = async (participant) => {
      asked.push(participant.model);
      return { content: `from ${participant.model}`, model: participant.model, provider: 'fake' };
    };
    const result = await runConsensus({
      prompt: 'q',
      participants: [{ model: 'a' }],
      ask,
      deadlineMs: 1_000,
      synthesize: { model: 'judge' },
    });
    expect(asked).toEqual(['a', 'judge']);
    expect(result.synthesis).toMatchObject({ content: 'from judge' });
  });

  it('skips the synthesis with a clear error when nobody answered', async () => {
    let synthesisAsked = false;
    const result = await runConsensus({
      prompt: 'q',
      participants: [{ model: 'a' }, { model: 'b' }],
      ask: async () => {
        throw new Error('down');
      },
      deadlineMs: 1_000,
      synthesize: {
        model: 'judge',
        ask: async () => {
          synthesisAsked = true;
          return { content: 'x', model: 'judge', provider: 'fake' };
        },
      },
    });
    expect(synthesisAsked).toBe(false);
    expect(result.partial).toBe(true);
    expect(result.synthesis).toEqual({
      error: { code: 'no_answers', message: expect.stringMatching(/nothing to synthesise/) },
    });
  });

  it("the caller's signal aborts every participant and rejects with cancelled", async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const ask: ConsensusAsk = async (participant, _messages, signal) => {
      signals.push(signal);
      await wait(10_000, signal);
      return { content: 'late', model: participant.model, provider: 'fake' };
    };
    setTimeout(() => controller.abort(), 30);
    await expect(
      runConsensus({
        prompt: 'q',
        participants,
        ask,
        deadlineMs: 5_000,
        signal: controller.signal,
        synthesize: { model: 'judge' },
      }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(signals).toHaveLength(3);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('makes labels unique and rejects bad options', async () => {
    const ask: ConsensusAsk = async (participant) => ({ content: 'ok', model: participant.model, provider: 'fake' });
    const result = await runConsensus({
      prompt: 'q',
      participants: [{ model: 'm' }, { model: 'm' }, { model: 'x', label: 'Expert' }],
      ask,
      deadlineMs: 1_000,
    });
    expect(result.responses.map((response) => response.label)).toEqual(['m (neutral)', 'm (neutral) #2', 'Expert']);
    await expect(runConsensus({ prompt: 'q', participants: [], ask, deadlineMs: 1_000 })).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(runConsensus({ prompt: ' ', participants, ask, deadlineMs: 1_000 })).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(runConsensus({ prompt: 'q', participants, ask, deadlineMs: 0 })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});
