import type { ChatChunk } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { adapterFor, useSimulator } from './setup.js';

const context = useSimulator();

describe('chat and stream against the simulator', () => {
  it('chat returns the answer, the provider, the answering model and usage', async () => {
    const adapter = adapterFor(context.sim);
    const response = await adapter.chat({ model: 'tester', messages: [{ role: 'user', content: 'hello there' }] });
    expect(response.provider).toBe('testprov');
    expect(response.model).toBe('gpt-test');
    expect(response.choices[0]?.message.content).toBe('Simulated answer to: hello there');
    expect(response.choices[0]?.finish_reason).toBe('stop');
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    const [attempt] = await context.sim.attempts();
    expect(attempt?.model).toBe('gpt-test');
    // Gateway-only fields never leave the gateway.
    expect(attempt?.body).not.toHaveProperty('continuation_id');
  });

  it('drops gateway-only fields and merges provider_options into the body', async () => {
    const adapter = adapterFor(context.sim);
    await adapter.chat({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'x' }],
      models: ['a', 'b'],
      continuation_id: 'thread-1',
      provider_options: { top_k: 3 },
    });
    const body = context.sim.log[0]?.body as Record<string, unknown>;
    expect(body.top_k).toBe(3);
    expect(body).not.toHaveProperty('models');
    expect(body).not.toHaveProperty('continuation_id');
    expect(body).not.toHaveProperty('provider_options');
  });

  it('provider_options never override the model, the messages, streaming or the token limits', async () => {
    const adapter = adapterFor(context.sim);
    await adapter.chat({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'mine' }],
      max_tokens: 50,
      provider_options: JSON.parse(
        '{"model":"gpt-other","messages":[],"stream":true,"max_tokens":999999,"max_completion_tokens":999999,"n":64,"__proto__":{"polluted":true},"top_k":2}',
      ),
    });
    const body = context.sim.log[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'mine' }],
      max_tokens: 50,
      top_k: 2,
    });
    expect(body).not.toHaveProperty('stream');
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(body).not.toHaveProperty('n');
    expect(body).not.toHaveProperty('polluted');
  });

  it('streams reasoning, content and final usage for a thinking model', async () => {
    const adapter = adapterFor(context.sim);
    const chunks: ChatChunk[] = [];
    for await (const chunk of adapter.stream({
      model: 'gpt-thinking-test',
      messages: [{ role: 'user', content: 'why?' }],
    })) {
      chunks.push(chunk);
    }
    const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(reasoning.length).toBeGreaterThan(0);
    expect(content).toBe('Simulated answer to: why?');
    expect(chunks.every((chunk) => chunk.provider === 'testprov')).toBe(true);
    expect(chunks.at(-1)?.usage?.reasoning_tokens).toBeGreaterThan(0);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
    const body = context.sim.log[0]?.body as Record<string, unknown>;
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('chat returns reasoning_content from the message', async () => {
    const adapter = adapterFor(context.sim);
    const response = await adapter.chat({ model: 'gpt-thinking-test', messages: [{ role: 'user', content: 'why?' }] });
    expect(response.choices[0]?.message.reasoning_content?.length).toBeGreaterThan(0);
  });

  it('streams tool-call deltas that assemble into a call', async () => {
    const adapter = adapterFor(context.sim);
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'lookup',
          parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
        },
      },
    ];
    let name = '';
    let args = '';
    for await (const chunk of adapter.stream({
      model: 'gpt-test',
      tools,
      messages: [{ role: 'user', content: 'find cats' }],
    })) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
    }
    expect(name).toBe('lookup');
    expect(JSON.parse(args)).toEqual({ query: 'find cats' });
  });

  it('listModels merges the catalog with GET /models, unknown ids inferred', async () => {
    const adapter = adapterFor(context.sim);
    const models = await adapter.listModels();
    const known = models.find((model) => model.id === 'gpt-test');
    expect(known?.inferred).toBeUndefined();
    expect(known?.contextWindow).toBe(128_000);
    const served = models.find((model) => model.id === 'gpt-4o-mini');
    expect(served).toMatchObject({ provider: 'testprov', inferred: true, contextWindow: 32_768, maxOutput: 4_096 });
    expect(served?.capabilities).toMatchObject({ streaming: true, tools: true, vision: false });
  });

  it('resolveModel passes unknown ids through with conservative defaults', () => {
    const adapter = adapterFor(context.sim);
    expect(adapter.resolveModel('tester').id).toBe('gpt-test');
    expect(adapter.resolveModel('brand-new-model')).toMatchObject({
      id: 'brand-new-model',
      inferred: true,
      provider: 'testprov',
    });
  });

  it('files: upload, list, get, content, delete', async () => {
    const adapter = adapterFor(context.sim);
    const files = adapter.files!;
    const data = new TextEncoder().encode('hello file');
    const uploaded = await files.upload({
      filename: 'notes.txt',
      data,
      purpose: 'assistants',
      contentType: 'text/plain',
    });
    expect(uploaded).toMatchObject({ filename: 'notes.txt', bytes: data.byteLength, provider: 'testprov' });
    expect((await files.list()).map((file) => file.id)).toContain(uploaded.id);
    expect((await files.get(uploaded.id)).filename).toBe('notes.txt');
    expect(await files.content(uploaded.id)).toBe('hello file');
    expect(await files.delete(uploaded.id)).toEqual({ id: uploaded.id, deleted: true });
    await expect(files.get(uploaded.id)).rejects.toMatchObject({ code: 'not_found', statusCode: 404 });
  });

  it('has no files API unless enabled', () => {
    expect(adapterFor(context.sim, { files: false }).files).toBeUndefined();
  });
});
