import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, readEvents, startGateway, type TestGateway } from './helpers.js';

const messages = [{ role: 'user', content: 'What is the capital of France?' }];
const chatBody = { model: 'glm-4.6', messages, temperature: 0 };
const admin = { authorization: 'Bearer admin-key' };
const client = { authorization: 'Bearer client-one' };
const other = { authorization: 'Bearer client-two' };

/** Chat completions the simulator received. */
const upstreamCalls = (gateway: TestGateway) =>
  gateway.sim.log.filter((attempt) => attempt.path.endsWith('/chat/completions')).length;

describe('exact response cache over HTTP', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({
      config: { cache: { routes: ['/v1/chat/completions', '/v1/messages', '/v1/responses'] } },
      env: { EXAI_API_KEYS: 'client-one,client-two', EXAI_ADMIN_KEYS: 'admin-key' },
    });
  });
  afterAll(async () => gateway?.close());

  it('JSON: miss then hit (x-exai-cache), the hit makes no upstream call; another key misses', async () => {
    const before = upstreamCalls(gateway);
    const first = await post(`${gateway.url}/v1/chat/completions`, chatBody, client);
    const second = await post(`${gateway.url}/v1/chat/completions`, chatBody, client);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers.get('x-exai-cache'), second.headers.get('x-exai-cache')]).toEqual(['miss', 'hit']);
    const [a, b] = [await json(first), await json(second)];
    expect(b.choices).toEqual(a.choices);
    expect(b.exai).toMatchObject({ cache: 'hit', attempts: [] });
    expect(upstreamCalls(gateway)).toBe(before + 1);
    const stranger = await post(`${gateway.url}/v1/chat/completions`, chatBody, other);
    expect(stranger.headers.get('x-exai-cache')).toBe('miss');
    expect(upstreamCalls(gateway)).toBe(before + 2);
  });

  it('stream: the hit replays the same SSE chunks with no upstream call', async () => {
    const body = { ...chatBody, stream: true, messages: [{ role: 'user', content: 'Stream it, please' }] };
    const before = upstreamCalls(gateway);
    const first = await post(`${gateway.url}/v1/chat/completions`, body, client);
    const second = await post(`${gateway.url}/v1/chat/completions`, body, client);
    expect([first.headers.get('x-exai-cache'), second.headers.get('x-exai-cache')]).toEqual(['miss', 'hit']);
    const [a, b] = [await readEvents(first), await readEvents(second)];
    expect(upstreamCalls(gateway)).toBe(before + 1);
    expect(a.length).toBeGreaterThan(3);
    // Every chunk the same; only the closing `exai` event (its request id) differs, then [DONE].
    expect(b.slice(0, -2)).toEqual(a.slice(0, -2));
    expect(JSON.parse(b.at(-2)!).exai.cache).toBe('hit');
    expect(b.at(-1)).toBe('[DONE]');
  });

  it('a changed parameter is a miss; temperature above 0 is not cached (no header)', async () => {
    const changed = await post(`${gateway.url}/v1/chat/completions`, { ...chatBody, max_tokens: 7 }, client);
    expect(changed.headers.get('x-exai-cache')).toBe('miss');
    const warm = await post(`${gateway.url}/v1/chat/completions`, { ...chatBody, temperature: 0.8 }, client);
    expect(warm.status).toBe(200);
    expect(warm.headers.get('x-exai-cache')).toBeNull();
  });

  it('/v1/messages is cached by the same engine layer', async () => {
    const body = { model: 'glm-4.6', max_tokens: 64, temperature: 0, messages };
    const first = await post(`${gateway.url}/v1/messages`, body, { 'x-api-key': 'client-one' });
    const second = await post(`${gateway.url}/v1/messages`, body, { 'x-api-key': 'client-one' });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers.get('x-exai-cache'), second.headers.get('x-exai-cache')]).toEqual(['miss', 'hit']);
    expect((await json(second)).content).toEqual((await json(first)).content);
  });

  it('/v1/responses is cached too (a new response id, the same output text)', async () => {
    const body = { model: 'glm-4.6', input: 'Name a colour', temperature: 0, store: false };
    const first = await post(`${gateway.url}/v1/responses`, body, client);
    const second = await post(`${gateway.url}/v1/responses`, body, client);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers.get('x-exai-cache'), second.headers.get('x-exai-cache')]).toEqual(['miss', 'hit']);
    const [a, b] = [await json(first), await json(second)];
    expect(b.id).not.toBe(a.id);
    const text = (response: { output: Array<{ type: string; content?: Array<{ text?: string }> }> }) =>
      response.output
        .filter((item) => item.type === 'message')
        .flatMap((item) => item.content ?? [])
        .map((part) => part.text ?? '')
        .join('');
    expect(text(a).length).toBeGreaterThan(0);
    expect(text(b)).toBe(text(a));
  });

  it('hits and misses are counted on /metrics', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`, { headers: admin })).text();
    const count = (name: string, route: string) =>
      Number(new RegExp(`^${name}\\{route="${route.replaceAll('/', '\\/')}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    expect(count('exai_cache_hits_total', '/v1/chat/completions')).toBe(2);
    expect(count('exai_cache_misses_total', '/v1/chat/completions')).toBe(4);
    expect(count('exai_cache_hits_total', '/v1/messages')).toBe(1);
  });
});
