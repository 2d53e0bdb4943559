import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as fuzz from './fuzz-helpers.js';
import { waitFor } from './helpers.js';

/**
 * `POST /v1/messages` under generated bodies: valid ones (JSON and SSE) answer 200 with a complete
 * message or event stream, every single broken field is a 400 naming it, arbitrary JSON, broken
 * JSON text and huge or deeply nested values are 4xx — always in Anthropic's error shape, never a
 * 5xx, a stack trace or a hang. A client that hangs up mid-stream leaves the gateway serving.
 */

const MAX_BODY_BYTES = 64 * 1024;
const route = fuzz.useFuzzRoute('/v1/messages', {
  config: {
    breaker: { volumeThreshold: 1_000_000 },
    timeouts: { requestMs: 4_000, attemptMs: 2_000, firstTokenMs: 2_000, idleMs: 2_000 },
  },
  env: { EXAI_MAX_BODY_BYTES: String(MAX_BODY_BYTES) },
  headers: { 'anthropic-version': '2023-06-01' },
});
const post = route.post;

/** A 4xx in Anthropic's shape; returns its message. */
function expectAnthropicError(status: number, text: string): string {
  expect(status, `unexpected status ${status}: ${text.slice(0, 500)}`).toBeGreaterThanOrEqual(400);
  expect(status, `server error ${status}: ${text.slice(0, 500)}`).toBeLessThan(500);
  const body = JSON.parse(text) as { type: string; error: { type: string; message: string } };
  expect(body.type).toBe('error');
  expect(body.error.type).toBeTypeOf('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}
const anthropicRefusal = (answer: fuzz.Answer) => expectAnthropicError(answer.status, answer.text);

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '😀'.repeat(30)),
);
const textBlock = fc.record(
  { type: fc.constant('text'), text, cache_control: fc.constant({ type: 'ephemeral' }) },
  { requiredKeys: ['type', 'text'] },
);
const image = fc.record({
  type: fc.constant('image'),
  source: fc.constant({ type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }),
});
const userContent = fc.oneof(text, fc.array(fc.oneof(textBlock, image), { minLength: 1, maxLength: 3 }));
const tool = fc.record({
  name: fc.stringMatching(/^[a-z_]{1,20}$/),
  description: text,
  input_schema: fc.constant({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }),
});
/** A tool round trip: assistant tool_use, then its tool_result. */
const toolTurns = fc
  .tuple(fc.stringMatching(/^toolu_[a-z0-9]{1,12}$/), text, fc.boolean())
  .map(([id, result, isError]) => [
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'x' },
        { type: 'tool_use', id, name: 'search', input: { q: 'x' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: result, is_error: isError }] },
  ]);

const validBody = fc.record(
  {
    model: fc.constantFrom('glm', 'kimi', 'glm-4.6', 'claude-sonnet-4-5', 'claude-3-5-haiku-latest', 'claude-opus-4-1'),
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    messages: fc
      .tuple(fc.option(toolTurns, { nil: undefined }), fc.record({ role: fc.constant('user'), content: userContent }))
      .map(([turns, last]) => [{ role: 'user', content: 'start' }, ...(turns ?? []), last]),
    system: fc.oneof(text, fc.array(textBlock, { minLength: 1, maxLength: 2 })),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.integer({ min: 0, max: 500 }),
    stop_sequences: fc.array(text, { maxLength: 3 }),
    stream: fc.boolean(),
    tools: fc.array(tool, { maxLength: 2 }),
    tool_choice: fc.constantFrom({ type: 'auto' }, { type: 'any' }, { type: 'none' }),
    thinking: fc.constantFrom({ type: 'enabled', budget_tokens: 2048 }, { type: 'disabled' }),
    metadata: fc.record({ user_id: fc.string({ maxLength: 30 }) }),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

const corruption: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('model'), fc.oneof(fuzz.wrongJsonType, fc.constant(''), fc.constant('no-such-model'))),
  fc.tuple(
    fc.constant('max_tokens'),
    fc.oneof(fc.integer({ max: 0 }), fc.constant(1.5), fc.string(), fc.constant(null), fc.constant(10_000_000)),
  ),
  fc.tuple(
    fc.constant('messages'),
    fc.oneof(
      fc.integer(),
      fc.constant(null),
      fc.constant([]),
      fc.string(),
      fc.constant([{ role: 'robot', content: 'x' }]),
      fc.constant([{ role: 'user', content: [{ type: 'hologram' }] }]),
    ),
  ),
  fc.tuple(
    fc.constant('messages'),
    fc.constant([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_nowhere', content: 'x' }] }]),
  ),
  fc.tuple(fc.constant('system'), fc.oneof(fc.integer(), fc.constant([{ type: 'image' }]), fc.constant({}))),
  fc.tuple(
    fc.constant('temperature'),
    fc.oneof(
      fc.double({ min: 1.000001, noNaN: true, noDefaultInfinity: true }),
      fc.double({ max: -0.000001, noNaN: true, noDefaultInfinity: true }),
      fc.string(),
    ),
  ),
  fc.tuple(fc.constant('top_k'), fc.oneof(fc.constant(-1), fc.constant(0.5), fc.string())),
  fc.tuple(
    fc.constant('stop_sequences'),
    fc.oneof(fc.string(), fc.array(fc.integer(), { minLength: 1, maxLength: 2 })),
  ),
  fc.tuple(fc.constant('stream'), fc.oneof(fc.integer(), fc.string(), fc.constant({}))),
  fc.tuple(
    fc.constant('tools'),
    fc.oneof(fc.integer(), fc.constant([{ name: 'x' }]), fc.constant([{ type: 'custom', name: '', input_schema: {} }])),
  ),
  fc.tuple(
    fc.constant('tool_choice'),
    fc.oneof(fc.constant({ type: 'sometimes' }), fc.constant({ type: 'tool' }), fc.string()),
  ),
  fc.tuple(
    fc.constant('thinking'),
    fc.oneof(
      fc.constant({ type: 'enabled' }),
      fc.constant({ type: 'enabled', budget_tokens: -1 }),
      fc.constant({ type: 'maybe' }),
    ),
  ),
  fc.tuple(fc.constant('metadata'), fc.oneof(fc.string(), fc.constant({ user_id: 5 }))),
);

function expectStreamComplete(body: string): void {
  const events = body
    .split('\n\n')
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => block.split('\n')[0]);
  expect(events[0]).toBe('event: message_start');
  expect(events.at(-1), body.slice(-500)).toBe('event: message_stop');
  expect(events.at(-2)).toBe('event: message_delta');
}

describe('messages fuzzing', { timeout: fuzz.FUZZ_TEST_TIMEOUT_MS }, () => {
  it('valid bodies (JSON and stream) answer 200 with a complete message', async () => {
    await fuzz.assertValidAnswered(route, validBody, {
      stream: expectStreamComplete,
      json: { type: 'message', role: 'assistant', stop_reason: expect.any(String) },
    });
  });

  it('one broken field is a 400 in Anthropic shape naming it', async () => {
    await fuzz.assertBrokenFieldNamed(route, validBody, corruption, { refusal: anthropicRefusal });
  });

  it('arbitrary JSON, text that is not JSON, odd content types: 200 or a 4xx in Anthropic shape', async () => {
    const valid = JSON.stringify({ model: 'glm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const payload = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
      fc.anything().map((value) => JSON.stringify({ model: 'glm', max_tokens: 5, messages: value })),
      fc.string({ unit: 'binary' }),
      fc.integer({ min: 0, max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    );
    await fc.assert(
      fc.asyncProperty(payload, contentType, async (body, type) => {
        const answer = await post(body, type ? { 'content-type': type } : {});
        fuzz.expectNoLeak(answer.text);
        if (answer.status !== 200) expectAnthropicError(answer.status, answer.text);
      }),
      { numRuns: fuzz.FUZZ_RUNS },
    );
  });

  it('huge and deeply nested values: 200, 400 naming the field, or 413, in Anthropic shape', async () => {
    const base = '{"model":"glm","max_tokens":10,"messages":[{"role":"user","content":"hi"}]';
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const shape = fc.oneof(
      fc
        .integer({ min: 1, max: 12_000 })
        .map((depth) => ['tools', `${base},"tools":[{"name":"f","input_schema":{"p":${nested(depth)}}}]}`] as const),
      fc
        .integer({ min: 1, max: 12_000 })
        .map(
          (depth) =>
            [
              'messages',
              `{"model":"glm","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"b","input":{"x":${nested(depth)}}}]}]}`,
            ] as const,
        ),
      fc
        .integer({ min: MAX_BODY_BYTES - 100, max: MAX_BODY_BYTES * 3 })
        .map((size) => ['body', `${base},"system":"${'x'.repeat(size)}"}`] as const),
      fc
        .integer({ min: 1, max: 2_500 })
        .map(
          (count) =>
            [
              'messages',
              `{"model":"glm","max_tokens":10,"messages":[${Array.from({ length: count }, () => '{"role":"user","content":"é"}').join(',')}]}`,
            ] as const,
        ),
    );
    await fuzz.assertHugeRefused(route, shape, {
      numRuns: Math.max(50, Math.floor(fuzz.FUZZ_RUNS / 5)),
      mayPass: true,
      refusal: anthropicRefusal,
    });
  });

  it('a client that hangs up mid-stream is let go upstream, and the next request is served', async () => {
    route.gateway.sim.reset();
    route.gateway.sim.script('glm-4.6', 'long-stream?chunks=40000&bytes=1000');
    for (let round = 0; round < 5; round += 1) {
      const controller = new AbortController();
      const response = await fetch(route.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'glm-4.6',
          max_tokens: 10,
          stream: true,
          messages: [{ role: 'user', content: 'long' }],
        }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
    }
    await waitFor(
      () => route.gateway.sim.log.length === 5 && route.gateway.sim.log.every((row) => row.durationMs !== null),
      5_000,
      'upstream streams to close',
    );
    // ~40 MB each: none ran to its end, the gateway hung up on the simulator when the client left.
    expect(route.gateway.sim.log.map((row) => row.clientHungUp)).toEqual([true, true, true, true, true]);
    expect(route.gateway.sim.log.every((row) => (row.eventsWritten ?? 0) < 40_000)).toBe(true);
    const answer = await post(
      JSON.stringify({ model: 'kimi', max_tokens: 10, messages: [{ role: 'user', content: 'still there?' }] }),
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Simulated answer to: still there?');
    expect(route.problems).toEqual([]);
  });
});
