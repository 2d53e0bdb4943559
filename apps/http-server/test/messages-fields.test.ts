import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { gatewayPerFile } from './helpers.js';

/** `stop_sequences` and `cache_control` on `/v1/messages`, with the official SDK, on each provider. */
const file = gatewayPerFile(
  ['glm', 'kimi', 'minimax'],
  (gateway) => new Anthropic({ baseURL: gateway.url, apiKey: 'unused-in-open-mode', maxRetries: 0 }),
);

const providers = [
  { provider: 'glm', model: 'glm-4.6' },
  { provider: 'kimi', model: 'kimi-k2-0905-preview' },
  { provider: 'minimax', model: 'MiniMax-M2' },
];

describe.each(providers)('POST /v1/messages fields on $provider', ({ model }) => {
  it('answers stop_reason stop_sequence naming the sequence that matched, streamed or not', async () => {
    // The simulator answers "Simulated answer to: <user text>" and cuts it at the earliest stop sequence.
    const params = {
      model,
      max_tokens: 256,
      stop_sequences: ['never-said', 'STOP'],
      thinking: { type: 'disabled' as const },
      messages: [{ role: 'user' as const, content: 'count to three STOP and more' }],
    };
    const created = await file.client.messages.create(params);
    expect(created).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'STOP' });
    const text = created.content.find((block) => block.type === 'text') as Anthropic.TextBlock;
    expect(text.text).toContain('count to three');
    expect(text.text).not.toContain('STOP');
    const sent = file.gateway.sim.log.at(-1)?.body as { stop?: unknown };
    expect(sent.stop).toEqual(['never-said', 'STOP']);

    const final = await file.client.messages.stream(params).finalMessage();
    expect(final).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'STOP' });

    const unmatched = await file.client.messages.create({ ...params, stop_sequences: ['never-said'] });
    expect(unmatched).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('accepts cache_control on system, message and tool blocks, and sends none upstream', async () => {
    const ephemeral = { type: 'ephemeral' as const };
    const answer = await file.client.messages.create({
      model,
      max_tokens: 256,
      thinking: { type: 'disabled' },
      system: [{ type: 'text', text: 'You are terse.', cache_control: ephemeral }],
      tools: [
        {
          name: 'lookup',
          description: 'Looks a word up',
          input_schema: { type: 'object', properties: { word: { type: 'string' } } },
          cache_control: ephemeral,
        },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Say cached', cache_control: ephemeral }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Ok.', cache_control: ephemeral }] },
        { role: 'user', content: [{ type: 'text', text: 'Again', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
      ],
    });
    // The simulator calls the one tool it is offered, with the last user text.
    expect(answer.stop_reason).toBe('tool_use');
    expect(answer.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'lookup' });
    const sent = file.gateway.sim.log.at(-1)?.body as { messages: Array<{ role: string }>; tools: unknown[] };
    expect(JSON.stringify(sent)).not.toContain('cache_control');
    expect(sent.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent.tools).toHaveLength(1);
  });
});
