import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { beforeSuite, json, startGateway, startTwoOnPostgres, type TestGateway } from './helpers.js';

/** Stored responses: `store`, `previous_response_id`, GET/DELETE/input_items, tenancy, restarts and two instances. */

const A = `sk-resp-a-${randomUUID()}`;
const B = `sk-resp-b-${randomUUID()}`;
const sdk = (gateway: TestGateway, key = A) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
const upstreamText = (gateway: TestGateway) =>
  JSON.stringify(gateway.sim.log.filter((row) => row.path.endsWith('/chat/completions')).at(-1)?.body);

describe('stored responses (one gateway, two keys)', () => {
  const gateway = beforeSuite(() => startGateway({ env: { EXAI_API_KEYS: `${A},${B}` } }));

  it('keeps a response; GET, input_items and DELETE answer for it', async () => {
    const client = sdk(gateway());
    const created = await client.responses.create({
      model: 'glm-4.6',
      input: [{ role: 'user', content: 'Remember zebra' }],
      metadata: { k: 'v' },
    });
    expect((created as unknown as { store: boolean }).store).toBe(true);
    const fetched = await client.responses.retrieve(created.id);
    expect(fetched).toMatchObject({
      id: created.id,
      status: 'completed',
      output_text: created.output_text,
      metadata: { k: 'v' },
    });
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user' });
    await client.responses.delete(created.id);
    const gone = await client.responses.retrieve(created.id).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('continues from previous_response_id (streamed too), carrying the earlier turns upstream', async () => {
    const client = sdk(gateway());
    const first = await client.responses.create({
      model: 'glm-4.6',
      input: 'Remember the word zebra',
      instructions: 'first instructions',
    });
    const stream = client.responses.stream({
      model: 'kimi-k2-0905-preview',
      input: 'Which word?',
      previous_response_id: first.id,
    });
    const second = await stream.finalResponse();
    expect(second.previous_response_id).toBe(first.id);
    const sent = upstreamText(gateway());
    expect(sent).toContain('Remember the word zebra');
    expect(sent).toContain(first.output_text);
    // Instructions are not carried over (OpenAI's rule).
    expect(sent).not.toContain('first instructions');
    const third = await client.responses.create({
      model: 'glm-4.6',
      input: 'And now?',
      previous_response_id: second.id,
    });
    expect(third.status).toBe('completed');
    expect(upstreamText(gateway())).toContain('Which word?');
  });

  it('continues a function call from previous_response_id with only the function_call_output', async () => {
    const client = sdk(gateway());
    const tools = [
      {
        type: 'function' as const,
        name: 'lookup',
        parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
        strict: false,
      },
    ];
    const first = await client.responses.create({ model: 'glm-4.6', input: 'zebra facts', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    const second = await client.responses.create({
      model: 'glm-4.6',
      tools,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'stripes' }],
    });
    expect(second.output_text).toContain('Tool results: stripes');
  });

  it("another key's response id answers as unknown (404), for every route", async () => {
    const created = await sdk(gateway()).responses.create({ model: 'glm-4.6', input: 'secret' });
    const other = sdk(gateway(), B);
    for (const attempt of [
      () => other.responses.retrieve(created.id),
      () => other.responses.inputItems.list(created.id),
      () => other.responses.delete(created.id),
      () => other.responses.create({ model: 'glm-4.6', input: 'leak it', previous_response_id: created.id }),
    ]) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    }
    expect((await sdk(gateway()).responses.retrieve(created.id)).id).toBe(created.id);
  });

  it('store: false keeps nothing', async () => {
    const created = await sdk(gateway()).responses.create({ model: 'glm-4.6', input: 'forget me', store: false });
    expect((created as unknown as { store: boolean }).store).toBe(false);
    const response = await fetch(`${gateway().url}/v1/responses/${created.id}`, {
      headers: { authorization: `Bearer ${A}` },
    });
    expect(response.status).toBe(404);
    expect((await json(response)).error).toMatchObject({ type: 'invalid_request_error', param: 'response_id' });
  });
});

describe('previous_response_id across a restart (SQLite)', () => {
  it('a response stored before the restart is continued after it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exai-responses-'));
    const before = await startGateway({ config: { store: { dataDir } } });
    const first = await sdk(before).responses.create({ model: 'glm-4.6', input: 'Remember the word okapi' });
    await before.close();
    const after = await startGateway({ config: { store: { dataDir } } });
    try {
      const second = await sdk(after).responses.create({
        model: 'glm-4.6',
        input: 'Which word?',
        previous_response_id: first.id,
      });
      expect(second.status).toBe('completed');
      expect(upstreamText(after)).toContain('Remember the word okapi');
    } finally {
      await after.close();
    }
  });
});

describe('previous_response_id across two instances (Postgres)', () => {
  const pair = beforeSuite(() => startTwoOnPostgres('responses'));

  it('a response stored by one instance is read and continued by the other', async () => {
    const first = await sdk(pair().one).responses.create({ model: 'glm-4.6', input: 'Remember the word quokka' });
    expect((await sdk(pair().two).responses.retrieve(first.id)).output_text).toBe(first.output_text);
    const second = await sdk(pair().two).responses.create({
      model: 'kimi-k2-0905-preview',
      input: 'Which word?',
      previous_response_id: first.id,
    });
    expect(second.status).toBe('completed');
    expect(upstreamText(pair().two)).toContain('Remember the word quokka');
  });
});
