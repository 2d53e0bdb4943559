import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { ask, chat, joined, type Loose, parseSse, readAll } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const streamBody = (model = 'gpt-4o') => ask(model, 'one two three four five', { stream: true });

describe('choosing a scenario', () => {
  it('takes the header first, then the ~ suffix, then a script, else ok', async () => {
    sim.script('gpt-4o', 'http-502');
    expect((await chat(sim, 'openai', ask('gpt-4o~http-503', 'x'), { 'x-sim-scenario': 'http-500' })).status).toBe(500);
    const suffixed = await chat(sim, 'openai', ask('gpt-4o~http-503', 'x'));
    expect(suffixed.status).toBe(503);
    expect((await chat(sim, 'openai', ask('gpt-4o', 'x'))).status).toBe(502);
    sim.script('gpt-4o', null);
    expect((await chat(sim, 'openai', ask('gpt-4o', 'x'))).status).toBe(200);
    expect(sim.log.map((attempt) => [attempt.model, attempt.scenario])).toEqual([
      ['gpt-4o', 'http-500'],
      ['gpt-4o', 'http-503'],
      ['gpt-4o', 'http-502'],
      ['gpt-4o', 'ok'],
    ]);
  });

  it('strips the suffix from the model echoed back', async () => {
    const body = (await (await chat(sim, 'openai', ask('gpt-4o~latency?ms=1', 'x'))).json()) as Loose;
    expect(body.model).toBe('gpt-4o');
  });

  it('scripts over HTTP and reset clears scripts and the log', async () => {
    const scripted = await fetch(`${sim.url}/_sim/script`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm1', scenario: 'http-404' }),
    });
    expect(scripted.status).toBe(200);
    expect((await chat(sim, 'openai', ask('m1', 'x'))).status).toBe(404);
    expect((await fetch(`${sim.url}/_sim/reset`, { method: 'POST' })).status).toBe(200);
    expect(sim.log).toHaveLength(0);
    expect((await chat(sim, 'openai', ask('m1', 'x'))).status).toBe(200);
  });

  it('answers an unknown scenario with 400 naming it', async () => {
    const response = await chat(sim, 'openai', ask('gpt-4o~nonsense', 'x'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as Loose).error.message).toContain('nonsense');
  });
});

describe('scenarios', () => {
  it.each([400, 401, 404, 500, 502, 503])('http-%i sends that status with an error body', async (status) => {
    const response = await chat(sim, 'openai', ask(`gpt-4o~http-${status}`, 'x'));
    expect(response.status).toBe(status);
    expect(((await response.json()) as Loose).error.message).toEqual(expect.any(String));
  });

  it('http-429 sends Retry-After (default 1), retry-after-ms when given, neither with none', async () => {
    const plain = await chat(sim, 'openai', ask('gpt-4o~http-429', 'x'));
    expect(plain.status).toBe(429);
    expect(plain.headers.get('retry-after')).toBe('1');
    expect(plain.headers.get('retry-after-ms')).toBeNull();
    const both = await chat(sim, 'openai', ask('gpt-4o~http-429?retry_after=2&retry_after_ms=1500', 'x'));
    expect(both.headers.get('retry-after')).toBe('2');
    expect(both.headers.get('retry-after-ms')).toBe('1500');
    const none = await chat(sim, 'openai', ask('gpt-4o~http-429?retry_after=none', 'x'));
    expect(none.headers.get('retry-after')).toBeNull();
  });

  it('http-500-once fails the first request per model, then succeeds until reset', async () => {
    sim.script('a', 'http-500-once');
    sim.script('b', 'http-500-once');
    expect((await chat(sim, 'openai', ask('a', 'x'))).status).toBe(500);
    expect((await chat(sim, 'openai', ask('a', 'x'))).status).toBe(200);
    expect((await chat(sim, 'openai', ask('b', 'x'))).status).toBe(500);
    sim.reset();
    sim.script('a', 'http-500-once');
    expect((await chat(sim, 'openai', ask('a', 'x'))).status).toBe(500);
  });

  it('fail-times fails n times with the status, then succeeds', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 4; index++) {
      statuses.push((await chat(sim, 'openai', ask('gpt-4o~fail-times?n=3&status=502', 'x'))).status);
    }
    expect(statuses).toEqual([502, 502, 502, 200]);
  });

  it('latency delays the answer by ms, or uniformly within min..max', async () => {
    let started = performance.now();
    expect((await chat(sim, 'openai', ask('gpt-4o~latency?ms=120', 'x'))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    started = performance.now();
    await chat(sim, 'openai', ask('gpt-4o~latency?min=40&max=60', 'x'));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(35);
    expect(elapsed).toBeLessThan(1000);
  });

  it('reset-before-headers destroys the socket before any byte', async () => {
    await expect(chat(sim, 'openai', ask('gpt-4o~reset-before-headers', 'x'))).rejects.toThrow();
    await vi.waitFor(() => expect(sim.log[0]?.durationMs).not.toBeNull());
    expect(sim.log[0]).toMatchObject({ status: null, clientHungUp: false, scenario: 'reset-before-headers' });
  });

  it('no-response never answers; the log shows clientHungUp once the client aborts', async () => {
    const controller = new AbortController();
    const pending = chat(sim, 'openai', ask('gpt-4o~no-response', 'x'), {}, controller.signal);
    await vi.waitFor(() => expect(sim.log).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.log[0]?.durationMs).toBeNull();
    controller.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(sim.log[0]?.durationMs).not.toBeNull());
    expect(sim.log[0]).toMatchObject({ status: null, clientHungUp: true, scenario: 'no-response' });
  });

  it('slow-first-token sends headers at once and the first content after ms', async () => {
    const started = performance.now();
    const response = await chat(sim, 'openai', streamBody('gpt-4o~slow-first-token?ms=300'));
    const headersAt = performance.now() - started;
    expect(response.status).toBe(200);
    expect(headersAt).toBeLessThan(250);
    const parsed = parseSse(await response.text());
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(parsed.done).toBe(true);
    const json = await chat(sim, 'openai', ask('gpt-4o~slow-first-token?ms=100', 'x'));
    expect(((await json.json()) as Loose).choices[0].message.content).toBe('Simulated answer to: x');
  });

  it('slow-first-token stops its timer when the client hangs up', async () => {
    const controller = new AbortController();
    const response = await chat(sim, 'openai', streamBody('gpt-4o~slow-first-token?ms=60000'), {}, controller.signal);
    expect(response.status).toBe(200);
    controller.abort();
    await vi.waitFor(() => expect(sim.log[0]?.clientHungUp).toBe(true));
  });

  it('stream-cut streams N chunks then destroys the socket', async () => {
    const response = await chat(sim, 'openai', streamBody('gpt-4o~stream-cut?after=2'));
    const { text, failed } = await readAll(response);
    expect(failed).toBe(true);
    const parsed = parseSse(text);
    expect(parsed.events).toHaveLength(2);
    expect(parsed.done).toBe(false);
    const whole = await chat(sim, 'openai', ask('gpt-4o~stream-cut', 'x'));
    expect((await readAll(whole)).failed).toBe(true);
    await vi.waitFor(() => expect(sim.log[1]?.durationMs).not.toBeNull());
    expect(sim.log[0]).toMatchObject({ status: 200, clientHungUp: false });
  });

  it('stream-cut?after=0 sends 200 headers then cuts before any event', async () => {
    const response = await chat(sim, 'openai', streamBody('gpt-4o~stream-cut?after=0'));
    expect(response.status).toBe(200);
    const { text, failed } = await readAll(response);
    expect(failed).toBe(true);
    expect(text).toBe('');
  });

  /** Nothing more arrives on `reader` for 150 ms; then the client hangs up, and the simulator logs it. */
  async function staysSilentUntilHungUp(reader: ReadableStreamDefaultReader<Uint8Array>, controller: AbortController) {
    const next = await Promise.race([
      reader.read().then(() => 'data'),
      new Promise((resolve) => setTimeout(() => resolve('silent'), 150)),
    ]);
    expect(next).toBe('silent');
    controller.abort();
    await vi.waitFor(() => expect(sim.log[0]?.clientHungUp).toBe(true));
  }

  it('stream-stall?after=0 sends 200 headers then nothing', async () => {
    const controller = new AbortController();
    const response = await chat(sim, 'openai', streamBody('gpt-4o~stream-stall?after=0'), {}, controller.signal);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await staysSilentUntilHungUp(reader, controller);
  });

  it('stream-cut with a large after still cuts before the finish chunk', async () => {
    const { text, failed } = await readAll(await chat(sim, 'openai', streamBody('gpt-4o~stream-cut?after=20')));
    expect(failed).toBe(true);
    const parsed = parseSse(text);
    expect(parsed.events).toHaveLength(20);
    expect(parsed.events.every((event) => (event as Loose).choices[0].finish_reason === null)).toBe(true);
  });

  it('stream-stall streams N chunks then stays silent until the client hangs up', async () => {
    const controller = new AbortController();
    const response = await chat(sim, 'openai', streamBody('gpt-4o~stream-stall?after=3'), {}, controller.signal);
    const reader = response.body!.getReader();
    let text = '';
    while (parseSse(text).events.length < 3) text += new TextDecoder().decode((await reader.read()).value);
    await staysSilentUntilHungUp(reader, controller);
  });

  it('malformed-chunk streams N chunks then a broken data line', async () => {
    const parsed = parseSse(await (await chat(sim, 'openai', streamBody('gpt-4o~malformed-chunk?after=2'))).text());
    expect(parsed.events).toHaveLength(2);
    expect(parsed.malformed).toEqual(['{not json']);
    expect(parsed.done).toBe(false);
  });

  it('missing-done completes the stream with usage and finish_reason but no [DONE]', async () => {
    const body = ask('gpt-4o~missing-done', 'hi', { stream: true, stream_options: { include_usage: true } });
    const parsed = parseSse(await (await chat(sim, 'openai', body)).text());
    expect(parsed.done).toBe(false);
    expect(joined(parsed.events, 'content')).toBe('Simulated answer to: hi');
    expect(parsed.events.some((event) => (event as Loose).choices[0]?.finish_reason === 'stop')).toBe(true);
    expect((parsed.events.at(-1) as Loose).usage).toBeTruthy();
  });

  it('long-stream sends N padded content chunks, written as the client reads', async () => {
    const parsed = parseSse(
      await (await chat(sim, 'openai', streamBody('gpt-4o~long-stream?chunks=500&bytes=40'))).text(),
    );
    expect(parsed.done).toBe(true);
    const words = joined(parsed.events, 'content').split(' ');
    expect(words.length).toBeGreaterThanOrEqual(500);
    expect(words.at(-1)).toBe('filler-499-'.padEnd(40, 'x'));
    expect(sim.log[0]?.eventsWritten).toBe(parsed.events.length);
  });

  it('context-length and content-filter send 400 in the dialect shape', async () => {
    const length = await chat(sim, 'openai', ask('gpt-4o~context-length', 'x'));
    expect(length.status).toBe(400);
    expect(((await length.json()) as Loose).error.code).toBe('context_length_exceeded');
    const filter = await chat(sim, 'openai', ask('gpt-4o~content-filter', 'x'));
    expect(filter.status).toBe(400);
    expect(((await filter.json()) as Loose).error.message).toBe('Simulated content filter: unsafe content');
  });

  it('close() ends hung connections', async () => {
    const other = await startSimulator();
    const pending = chat(other, 'openai', ask('gpt-4o~no-response', 'x'));
    await vi.waitFor(() => expect(other.log).toHaveLength(1));
    await other.close();
    await expect(pending).rejects.toThrow();
  });
});
