import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, post, startGateway, type TestGateway } from './helpers.js';

let gateway: TestGateway;
let client: OpenAI;

/** One model per provider, each served by the simulator through its real adapter. */
const MODELS = { glm: 'glm-4.6', kimi: 'kimi-k2-0905-preview', minimax: 'MiniMax-M2', openai: 'gpt-4o' } as const;

beforeAll(async () => {
  gateway = await startGateway({
    config: (sim) => ({
      breaker: { volumeThreshold: 1_000 },
      providers: {
        glm: { kind: 'glm', baseURL: sim.baseURL('glm'), apiKey: 'sim-key' },
        kimi: { kind: 'kimi', baseURL: sim.baseURL('kimi'), apiKey: 'sim-key' },
        minimax: { kind: 'minimax', baseURL: sim.baseURL('minimax'), apiKey: 'sim-key' },
        openai: { kind: 'openai', baseURL: sim.baseURL('openai'), apiKey: 'sim-key' },
      },
    }),
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
});
afterAll(() => gateway.close());
beforeEach(() => gateway.sim.reset());

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe.each(Object.entries(MODELS))('POST /v1/responses on %s', (provider, model) => {
  it('creates a response with output_text, output items and usage', async () => {
    const response = await client.responses.create({
      model,
      input: 'Say hello',
      instructions: 'Be brief',
      metadata: { run: 'one' },
    });
    expect(response.object).toBe('response');
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.output_text).toContain('Say hello');
    const message = response.output.find((item) => item.type === 'message');
    expect(message).toMatchObject({ role: 'assistant', status: 'completed', content: [{ type: 'output_text' }] });
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response.usage?.output_tokens_details).toHaveProperty('reasoning_tokens');
    expect(response.usage?.input_tokens_details).toHaveProperty('cached_tokens');
    expect(response.metadata).toEqual({ run: 'one' });
    expect((response as unknown as { exai: { provider: string } }).exai.provider).toBe(provider);
  });

  it('streams the documented event sequence with increasing sequence numbers', async () => {
    const stream = client.responses.stream({
      model,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Say hello' }] }],
      reasoning: { effort: 'none' },
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    const types = events.map((event) => event.type);
    expect(types.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    // MiniMax thinks even when asked not to: its reasoning item comes first, then the message.
    const text = types.indexOf('response.content_part.added');
    expect(types[text - 1]).toBe('response.output_item.added');
    expect(types[text + 1]).toBe('response.output_text.delta');
    const tail = types.slice(-4);
    expect(tail).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    expect(final.output_text).toContain('Say hello');
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('round-trips a function call through function_call_output', async () => {
    const first = await client.responses.create({ model, input: 'Paris', tools: [weather], store: false });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    if (call?.type !== 'function_call') throw new Error('no call');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    const second = await client.responses.create({
      model,
      tools: [weather],
      input: [
        { role: 'user', content: 'Paris' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' },
      ],
      store: false,
    });
    expect(second.output_text).toContain('Tool results: sunny, 21 C');
  });
});

describe('POST /v1/responses', () => {
  it('streams function call arguments', async () => {
    const stream = client.responses.stream({ model: MODELS.kimi, input: 'Paris', tools: [weather] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toContain('response.function_call_arguments.delta');
    expect(types).toContain('response.function_call_arguments.done');
    const final = await stream.finalResponse();
    expect(final.output.some((item) => item.type === 'function_call' && item.name === 'get_weather')).toBe(true);
  });

  it('returns reasoning as a summary when the provider thinks', async () => {
    const response = await client.responses.create({
      model: MODELS.glm,
      input: 'Think first',
      reasoning: { effort: 'high' },
    });
    const reasoning = response.output.find((item) => item.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' && reasoning.summary[0]?.text.length).toBeGreaterThan(0);
    const events: string[] = [];
    for await (const event of client.responses.stream({ model: MODELS.glm, input: 'Think first' }))
      events.push(event.type);
    expect(events).toContain('response.reasoning_summary_text.delta');
    expect(events.indexOf('response.reasoning_summary_text.delta')).toBeLessThan(
      events.indexOf('response.output_text.delta'),
    );
  });

  it('fails over to the fallback when the primary answers 503', async () => {
    gateway.sim.script(MODELS.glm, 'http-503');
    const response = await client.responses.create({
      model: MODELS.glm,
      input: 'Say hello',
      models: [MODELS.kimi],
    } as never);
    expect(response.model).toBe(MODELS.kimi);
    expect((response as unknown as { exai: { fell_back: boolean } }).exai.fell_back).toBe(true);
    const stream = client.responses.stream({ model: MODELS.glm, input: 'Say hello', models: [MODELS.kimi] } as never);
    expect((await stream.finalResponse()).output_text).toContain('Say hello');
  });

  it('ends a cut stream with response.failed and an error event', async () => {
    gateway.sim.script(MODELS.glm, 'stream-cut?after=3');
    const response = await post(`${gateway.url}/v1/responses`, {
      model: MODELS.glm,
      input: 'Say hello',
      stream: true,
      reasoning: { effort: 'none' },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const types = [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(types.slice(-2)).toEqual(['response.failed', 'error']);
    expect(types).not.toContain('response.completed');
    const stream = client.responses.stream({ model: MODELS.glm, input: 'Say hello' });
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type);
    expect(seen.slice(-2)).toEqual(['response.failed', 'error']);
    await expect(stream.finalResponse()).rejects.toThrow();
  });

  it('marks a response cut by max_output_tokens as incomplete', async () => {
    const response = await client.responses.create({
      model: MODELS.openai,
      input: 'Say hello',
      max_output_tokens: 16,
      text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } },
    });
    expect(['completed', 'incomplete']).toContain(response.status);
    const body = gateway.sim.log.at(-1)?.body as { max_tokens?: number; response_format?: { type: string } };
    expect(body.max_tokens).toBe(16);
    expect(body.response_format?.type).toBe('json_schema');
  });

  it('lists hint-only fields in exai.ignored and refuses fields that change meaning', async () => {
    const ok = await json(
      await post(`${gateway.url}/v1/responses`, {
        model: MODELS.glm,
        input: 'hi',
        include: ['reasoning.encrypted_content'],
        prompt_cache_key: 'k',
        safety_identifier: 's',
        store: false,
      }),
    );
    expect(ok.exai.ignored).toEqual(
      expect.arrayContaining(['include', 'prompt_cache_key', 'safety_identifier', 'store']),
    );
    const refused = await post(`${gateway.url}/v1/responses`, {
      model: MODELS.glm,
      input: 'hi',
      conversation: 'conv_1',
    });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error).toMatchObject({ type: 'invalid_request_error', param: 'conversation' });
  });
});

describe('tools as Codex sends them', () => {
  it('flattens a namespace tool (echoing its namespace on the call) and leaves web_search out, listed in exai.ignored', async () => {
    const body = {
      model: MODELS.glm,
      input: 'spawn one',
      tools: [
        {
          type: 'namespace',
          name: 'agents',
          description: 'Sub-agents',
          tools: [
            {
              type: 'function',
              name: 'spawn_agent',
              parameters: { type: 'object', properties: { task: { type: 'string' } }, required: ['task'] },
            },
          ],
        },
        { type: 'web_search', external_web_access: false },
      ],
    };
    const answer = await json(await post(`${gateway.url}/v1/responses`, body));
    expect(answer.output.find((item: { type: string }) => item.type === 'function_call')).toMatchObject({
      name: 'spawn_agent',
      namespace: 'agents',
    });
    expect(answer.exai.ignored).toContain('tools[1] (web_search)');
    const sent = gateway.sim.log.at(-1)?.body as { tools: Array<{ function: { name: string } }> };
    expect(sent.tools.map((tool) => tool.function.name)).toEqual(['spawn_agent']);
  });
});

describe('bad input', () => {
  const expectError = async (body: unknown, status: number, param: string | null) => {
    const response = await post(`${gateway.url}/v1/responses`, body);
    expect(response.status).toBe(status);
    const answer = await json(response);
    expect(answer.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(typeof answer.error.message).toBe('string');
  };

  it('refuses an unknown item type, naming it', () =>
    expectError({ model: MODELS.glm, input: [{ type: 'computer_call', id: 'x' }] }, 400, 'input[0].type'));
  it('refuses a function_call_output without its call', () =>
    expectError(
      { model: MODELS.glm, input: [{ type: 'function_call_output', call_id: 'call_x', output: 'r' }] },
      400,
      'input[0].call_id',
    ));
  it('refuses a built-in tool, naming it', () =>
    expectError(
      { model: MODELS.glm, input: 'hi', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] },
      400,
      'tools[0].type',
    ));
  it('answers an unknown previous_response_id with 404', () =>
    expectError({ model: MODELS.glm, input: 'hi', previous_response_id: 'resp_nope' }, 404, 'previous_response_id'));
  it('refuses a bad field with its name', () =>
    expectError({ model: MODELS.glm, input: 'hi', temperature: 9 }, 400, 'temperature'));
  it('the SDK sees an APIError', async () => {
    const error = await client.responses
      .create({ model: MODELS.glm, input: [{ type: 'item_reference', id: 'x' } as never] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
