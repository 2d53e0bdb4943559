import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { gatewayPerFile, json, post } from './helpers.js';

/** The built-in web search tool of the Responses API on each provider's own search (GLM, Kimi); refused elsewhere. */
const file = gatewayPerFile(
  ['glm', 'kimi', 'openai'],
  (gateway) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused-in-open-mode', maxRetries: 0 }),
);

type Sent = { tools?: unknown[]; messages: Array<{ role: string; name?: string; content: unknown }> };
const chatBodies = () =>
  file.gateway.sim.log.filter((row) => row.path.endsWith('/chat/completions')).map((row) => row.body as Sent);

/** A Responses request to `model` with the built-in search tool of `type`. */
const searching = (model: string, input: string, type: 'web_search' | 'web_search_preview' = 'web_search') => ({
  model,
  input,
  tools: [{ type }],
});

describe('tools: [{type: "web_search"}] in /v1/responses', () => {
  it("GLM: sent as GLM's web_search tool with its defaults", async () => {
    const answer = await file.client.responses.create(searching('glm-4.6', 'latest news'));
    expect(answer.status).toBe('completed');
    expect(answer.output_text).toContain('latest news');
    expect(chatBodies()).toHaveLength(1);
    expect(chatBodies()[0]!.tools).toEqual([
      { type: 'web_search', web_search: expect.objectContaining({ enable: true, search_engine: expect.any(String) }) },
    ]);
  });

  it('Kimi: web_search_preview becomes $web_search; the search round goes back to Kimi, streamed or not', async () => {
    const answer = await file.client.responses.create(
      searching('kimi-k2-0905-preview', 'weather in Paris', 'web_search_preview'),
    );
    expect(answer.status).toBe('completed');
    expect(answer.output_text).toContain('Tool results');
    expect(answer.output.some((item) => item.type === 'function_call')).toBe(false);
    const [first, second] = chatBodies();
    expect(first!.tools).toEqual([{ type: 'builtin_function', function: { name: '$web_search' } }]);
    expect(second!.messages.at(-1)).toMatchObject({ role: 'tool', name: '$web_search' });

    file.gateway.sim.reset();
    const stream = file.client.responses.stream(searching('kimi-k2-0905-preview', 'weather in Paris'));
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();
    expect(final.output_text).toContain('Tool results');
    expect(types.at(-1)).toBe('response.completed');
    expect(chatBodies()).toHaveLength(2);
  });

  it('another provider is a 400 naming the tool, before any upstream call', async () => {
    const response = await post(`${file.gateway.url}/v1/responses`, {
      model: 'gpt-5.4',
      input: 'x',
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }, { type: 'web_search' }],
    });
    expect(response.status).toBe(400);
    const error = (await json(response)).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'tools[1].type' });
    expect(error.message).toContain('GLM and Kimi');
    expect(file.gateway.sim.log).toHaveLength(0);
  });

  it("Codex's cached mode (external_web_access: false) is left out on any provider, listed in exai.ignored", async () => {
    const answer = await json(
      await post(`${file.gateway.url}/v1/responses`, {
        model: 'gpt-5.4',
        input: 'x',
        tools: [{ type: 'web_search', external_web_access: false }],
      }),
    );
    expect(answer.status).toBe('completed');
    expect(answer.exai.ignored).toContain('tools[0] (web_search)');
  });
});
