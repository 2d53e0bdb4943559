import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { ask, chat, joined, type Loose, parseSse } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('openai dialect', () => {
  it('exposes the documented base URLs', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.baseURL('openai')).toBe(`${sim.url}/v1`);
    expect(sim.baseURL('glm')).toBe(`${sim.url}/glm/api/paas/v4`);
    expect(sim.baseURL('glm', { codingPlan: true })).toBe(`${sim.url}/glm/api/coding/paas/v4`);
    expect(sim.baseURL('kimi')).toBe(`${sim.url}/kimi/v1`);
    expect(sim.baseURL('minimax')).toBe(`${sim.url}/minimax/v1`);
  });

  it('answers a chat completion derived from the prompt, with usage', async () => {
    const response = await chat(sim, 'openai', ask('gpt-4o', 'What is two plus two?'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Loose;
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('gpt-4o');
    expect(body.choices[0].message).toMatchObject({
      role: 'assistant',
      content: 'Simulated answer to: What is two plus two?',
    });
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('serves the bare /chat/completions path as OpenAI', async () => {
    const response = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: JSON.stringify(ask('gpt-4o', 'bare')),
    });
    expect(response.status).toBe(200);
    expect(sim.log[0]).toMatchObject({ dialect: 'openai', path: '/chat/completions' });
  });

  it('streams SSE chunks ending with [DONE]; usage only with stream_options.include_usage', async () => {
    const plain = parseSse(await (await chat(sim, 'openai', ask('gpt-4o', 'stream me', { stream: true }))).text());
    expect(plain.done).toBe(true);
    expect(joined(plain.events, 'content')).toBe('Simulated answer to: stream me');
    expect(plain.events.some((event) => (event as Loose).usage)).toBe(false);
    expect((plain.events.at(-1) as Loose).choices[0].finish_reason).toBe('stop');

    const withUsage = await chat(
      sim,
      'openai',
      ask('gpt-4o', 'stream me', { stream: true, stream_options: { include_usage: true } }),
    );
    expect(withUsage.headers.get('content-type')).toBe('text/event-stream');
    const parsed = parseSse(await withUsage.text());
    const last = parsed.events.at(-1) as Loose;
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('returns reasoning_content for reasoner models and thinking requests', async () => {
    const body = (await (await chat(sim, 'openai', ask('deepseek-reasoner', 'why?'))).json()) as Loose;
    expect(body.choices[0].message.reasoning_content).toBe('Thinking about: why?');
    const streamed = parseSse(
      await (await chat(sim, 'openai', ask('gpt-4o', 'why?', { stream: true, thinking: { type: 'enabled' } }))).text(),
    );
    expect(joined(streamed.events, 'reasoning_content')).toBe('Thinking about: why?');
    const plain = (await (await chat(sim, 'openai', ask('gpt-4o', 'why?'))).json()) as Loose;
    expect(plain.choices[0].message.reasoning_content).toBeUndefined();
  });

  it('makes a tool call, then answers with the tool results', async () => {
    const first = (await (await chat(sim, 'openai', ask('gpt-4o', 'Paris', { tools: [weatherTool] }))).json()) as Loose;
    const message = first.choices[0].message;
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(message.tool_calls).toHaveLength(1);
    expect(message.tool_calls[0].function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    const second = (await (
      await chat(sim, 'openai', {
        model: 'gpt-4o',
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'Paris' },
          message,
          { role: 'tool', tool_call_id: message.tool_calls[0].id, content: 'sunny, 21C' },
        ],
      })
    ).json()) as Loose;
    expect(second.choices[0].message.content).toBe('Tool results: sunny, 21C');
  });

  it('makes two tool calls for "parallel" and none with tool_choice none', async () => {
    const parallel = (await (
      await chat(sim, 'openai', ask('gpt-4o', 'parallel please', { tools: [weatherTool] }))
    ).json()) as Loose;
    expect(parallel.choices[0].message.tool_calls).toHaveLength(2);
    const none = (await (
      await chat(sim, 'openai', ask('gpt-4o', 'x', { tools: [weatherTool], tool_choice: 'none' }))
    ).json()) as Loose;
    expect(none.choices[0].message.tool_calls).toBeUndefined();
  });

  it('streams tool calls as deltas', async () => {
    const parsed = parseSse(
      await (await chat(sim, 'openai', ask('gpt-4o', 'Rome', { tools: [weatherTool], stream: true }))).text(),
    );
    const calls = parsed.events.flatMap((event) => (event as Loose).choices[0]?.delta?.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(calls.map((call: Loose) => call.function.arguments).join('')).toBe('{"city":"Rome"}');
    expect((parsed.events.at(-1) as Loose).choices[0].finish_reason).toBe('tool_calls');
  });

  it('rejects a missing or bad key with 401 in the OpenAI error shape', async () => {
    const missing = await fetch(`${sim.baseURL('openai')}/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    const bad = await chat(sim, 'openai', ask('gpt-4o', 'x'), { authorization: 'Bearer bad-key' });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as Loose).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
  });

  it('lists models', async () => {
    const response = await fetch(`${sim.baseURL('openai')}/models`, { headers: { authorization: 'Bearer x' } });
    const body = (await response.json()) as Loose;
    expect(body.object).toBe('list');
    expect(body.data.map((model: Loose) => model.id)).toContain('gpt-4o');
  });

  it('logs each request with its parsed body', async () => {
    await chat(sim, 'openai', ask('gpt-4o', 'log me', { max_completion_tokens: 12 }));
    const attempts = await sim.attempts();
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      seq: expect.any(Number),
      dialect: 'openai',
      method: 'POST',
      path: '/v1/chat/completions',
      model: 'gpt-4o',
      scenario: 'ok',
      stream: false,
      status: 200,
      clientHungUp: false,
      body: { max_completion_tokens: 12 },
    });
    expect(Date.parse(attempts[0]!.time)).toBe(attempts[0]!.arrivedAt);
    const overHttp = (await (await fetch(`${sim.url}/_sim/attempts`)).json()) as Loose[];
    expect(overHttp).toHaveLength(1);
  });
});
