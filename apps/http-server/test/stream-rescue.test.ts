import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, post, startGateway, type TestGateway } from './helpers.js';

// A stream that breaks after it started is finished by the next provider on every route that
// streams through the engine; the caller's SDK sees one answer, the metadata names the seam.

let gateway: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

const question = 'why do streams break, and how does a gateway finish the answer for its caller';
const full = `Simulated answer to: ${question}`;

beforeAll(async () => {
  gateway = await startGateway({
    env: { EXAI_LOOPBACK_ADMIN: '1' },
    config: (sim) => ({
      breaker: { volumeThreshold: 1_000 },
      providers: {
        glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' },
        kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
      },
      fallbacks: { 'glm-4.6': ['kimi/kimi-k2-0905-preview'] },
      timeouts: { idleMs: 1_000 },
    }),
  });
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'unused-on-loopback', maxRetries: 0 });
});
afterAll(() => gateway.close());
beforeEach(() => gateway.sim.reset());

describe('stream rescue over HTTP', () => {
  it('/v1/chat/completions: one answer, the seam in the last chunk, counted in the metrics and dashboard', async () => {
    gateway.sim.script('glm-4.6', 'stream-cut?chars=27');
    const stream = await openai.chat.completions.create({
      model: 'glm-4.6',
      messages: [{ role: 'user', content: question }],
      stream: true,
    });
    let text = '';
    let last: unknown;
    const finishes: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      last = chunk;
    }
    expect(text).toBe(full);
    expect(finishes).toEqual(['stop']);
    expect((last as { exai: { resumed: unknown } }).exai.resumed).toEqual([
      { provider: 'kimi', model: 'kimi-k2-0905-preview', at_char: 27 },
    ]);
    await expect
      .poll(
        async () =>
          (await (await fetch(`${gateway.url}/metrics`)).text()).match(
            /exai_stream_resumptions_total\{[^}]*provider="kimi"[^}]*\} (\d+)/,
          )?.[1],
      )
      .toBe('1');
    const snapshot = await json(await fetch(`${gateway.url}/dashboard/snapshot`));
    expect(snapshot.totals.resumed).toBeGreaterThanOrEqual(1);
  });

  it('`exai.resume: false` ends a broken stream with the in-band error', async () => {
    gateway.sim.script('glm-4.6', 'stream-cut?chars=27');
    const response = await post(`${gateway.url}/v1/chat/completions`, {
      model: 'glm-4.6',
      messages: [{ role: 'user', content: question }],
      stream: true,
      exai: { resume: false },
    });
    const body = await response.text();
    expect(body).toContain('stream_interrupted');
    expect(body).not.toContain('[DONE]');
  });

  it('a bad `exai` option is a 400 in the OpenAI error shape', async () => {
    const response = await post(`${gateway.url}/v1/chat/completions`, {
      model: 'glm-4.6',
      messages: [{ role: 'user', content: 'x' }],
      exai: { resume: 'sometimes' },
    });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(body.error.param).toContain('exai');
  });

  it('/v1/responses (openai SDK): the rescued stream is one output_text', async () => {
    gateway.sim.script('glm-4.6', 'stream-stall?chars=40');
    const stream = openai.responses.stream({ model: 'glm-4.6', input: question });
    let deltas = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') deltas += event.delta;
    const response = await stream.finalResponse();
    expect(deltas).toBe(full);
    expect(response.output_text).toBe(full);
    expect(response.status).toBe('completed');
  });

  it('/v1/messages (@anthropic-ai/sdk): the rescued stream is one text block', async () => {
    gateway.sim.script('glm-4.6', 'malformed-chunk?chars=21');
    const stream = anthropic.messages.stream({
      model: 'glm-4.6',
      max_tokens: 256,
      messages: [{ role: 'user', content: question }],
    });
    let deltas = '';
    stream.on('text', (text) => {
      deltas += text;
    });
    const message = await stream.finalMessage();
    expect(deltas).toBe(full);
    expect(message.content.filter((block) => block.type === 'text').map((block) => block.text)).toEqual([full]);
    expect(message.stop_reason).toBe('end_turn');
  });
});
