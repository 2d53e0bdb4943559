import { PROTECTED_PROVIDER_OPTIONS } from '@exai/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertBrokenFieldNamed,
  assertHugeRefused,
  assertValidAnswered,
  expectFieldRefused,
  expectNoLeak,
  expectOpenAIError,
  FUZZ_RUNS,
  FUZZ_TEST_TIMEOUT_MS,
  useFuzzRoute,
  wrongJsonType,
} from './fuzz-helpers.js';

/**
 * `POST /v1/chat/completions` under generated bodies: valid ones (JSON and SSE) answer 200, every
 * single broken field is a 400 naming it, arbitrary JSON, broken JSON text, odd content types and
 * huge or deeply nested values are 4xx in OpenAI's shape. Never a 5xx (except the one model whose
 * upstream is scripted to fail, mapped as documented), never a stack trace, never a hang.
 */

const MAX_BODY_BYTES = 64 * 1024;
const FAILING_MODEL = 'glm-4.5-air';
const route = useFuzzRoute('/v1/chat/completions', {
  config: {
    fallbacks: { 'glm-4.6': ['kimi-k2-0905-preview'] },
    breaker: { volumeThreshold: 1_000_000 },
    timeouts: { requestMs: 4_000, attemptMs: 2_000, firstTokenMs: 2_000, idleMs: 2_000 },
  },
  env: { EXAI_MAX_BODY_BYTES: String(MAX_BODY_BYTES) },
});

beforeAll(() => {
  // A scripted upstream failure with no fallback (→ 503 overloaded) and one with a fallback (→ 200 from kimi).
  route.gateway.sim.script(FAILING_MODEL, 'http-503');
  route.gateway.sim.script('glm-4.6', 'http-502');
});

const chat = route.post;

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '😀'.repeat(30)),
);
const model = fc.constantFrom(
  'glm',
  'kimi',
  'glm-4.6',
  'kimi-k2-0905-preview',
  'glm/glm-4.5',
  'kimi/kimi-k2-turbo-preview',
);
const message = fc.record({
  role: fc.constantFrom('system', 'developer', 'user', 'assistant'),
  content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 3 })),
});
const userMessage = fc.record({ role: fc.constant('user'), content: text });
const functionTool = fc.record({
  type: fc.constant('function'),
  function: fc.record(
    {
      name: fc.stringMatching(/^[a-z_]{1,20}$/),
      description: text,
      parameters: fc.constant({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }),
    },
    { requiredKeys: ['name'] },
  ),
});

/** Bodies the schema accepts. */
const validBody = fc.record(
  {
    model,
    messages: fc.tuple(fc.array(message, { maxLength: 3 }), userMessage).map(([rest, last]) => [...rest, last]),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    stop: fc.oneof(text, fc.array(text, { maxLength: 3 })),
    seed: fc.integer(),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    tools: fc.array(functionTool, { maxLength: 2 }),
    user: text,
    models: fc.array(fc.constantFrom('glm', 'kimi', 'kimi-k2-0905-preview', 'glm/glm-4.5'), { maxLength: 2 }),
    // Keys the gateway owns (model, messages, stream, limits: a 400 by design) are left to the invalid-body cases.
    provider_options: fc
      .dictionary(
        fc
          .string({ maxLength: 8 })
          .filter((key) => !PROTECTED_PROVIDER_OPTIONS.has(key) && key !== 'constructor' && key !== 'prototype'),
        fc.jsonValue({ maxDepth: 3 }),
        { maxKeys: 3 },
      )
      .filter((options) => !JSON.stringify(options).includes('"__proto__"')),
    thinking: fc.record({ type: fc.constantFrom('enabled', 'disabled') }),
    reasoning_effort: fc.constantFrom('minimal', 'low', 'medium', 'high'),
  },
  { requiredKeys: ['model', 'messages'] },
);

/** One field and a value the schema must refuse for it. */
const corruption: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('model'), fc.oneof(wrongJsonType, fc.constant(''))),
  fc.tuple(
    fc.constant('messages'),
    fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.string(), fc.constant({})),
  ),
  fc.tuple(
    fc.constant('messages'),
    fc.array(
      fc.oneof(
        fc.record({
          role: fc.string().filter((role) => !['system', 'developer', 'user', 'assistant', 'tool'].includes(role)),
          content: text,
        }),
        fc.record({ role: fc.constant('user'), content: fc.oneof(fc.integer(), fc.boolean(), fc.constant({})) }),
        wrongJsonType,
      ),
      { minLength: 1, maxLength: 3 },
    ),
  ),
  fc.tuple(
    fc.constant('temperature'),
    fc.oneof(
      fc.double({ min: 2.000001, noNaN: true, noDefaultInfinity: true }),
      fc.double({ max: -0.000001, noNaN: true, noDefaultInfinity: true }),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
    ),
  ),
  fc.tuple(
    fc.constant('top_p'),
    fc.oneof(fc.double({ min: 1.000001, noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant(null)),
  ),
  fc.tuple(
    fc.constant('max_tokens'),
    fc.oneof(fc.integer({ max: 0 }), fc.constant(1.5), fc.string(), fc.constant(null)),
  ),
  fc.tuple(fc.constant('seed'), fc.oneof(fc.constant(0.25), fc.string(), fc.boolean())),
  fc.tuple(
    fc.constant('stop'),
    fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { minLength: 1, maxLength: 2 })),
  ),
  fc.tuple(fc.constant('stream'), fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.constant({}))),
  fc.tuple(fc.constant('stream_options'), fc.oneof(fc.integer(), fc.string(), fc.constant({ include_usage: 'yes' }))),
  fc.tuple(
    fc.constant('tools'),
    fc.oneof(
      fc.integer(),
      fc.string(),
      fc.constant({}),
      fc.array(
        fc.oneof(
          fc.integer(),
          fc.string(),
          fc.constant({ type: 'function', function: { name: '' } }),
          fc.record({
            type: fc
              .string()
              .filter((type) => !['function', 'web_search', 'builtin_function', 'retrieval'].includes(type)),
          }),
        ),
        { minLength: 1, maxLength: 2 },
      ),
    ),
  ),
  fc.tuple(
    fc.constant('tool_choice'),
    fc.oneof(
      fc.string().filter((choice) => !['auto', 'none', 'required'].includes(choice)),
      fc.integer(),
      fc.constant({ type: 'function' }),
    ),
  ),
  fc.tuple(
    fc.constant('models'),
    fc.oneof(
      fc.integer(),
      fc.string(),
      fc.constant({}),
      fc.constant(['']),
      fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.constant({})), { minLength: 1, maxLength: 3 }),
    ),
  ),
  fc.tuple(fc.constant('continuation_id'), fc.oneof(fc.constant(''), fc.integer(), fc.constant({}))),
  fc.tuple(fc.constant('provider_options'), fc.oneof(fc.integer(), fc.string(), fc.constant([]), fc.constant(null))),
  fc.tuple(
    fc.constant('thinking'),
    fc.oneof(fc.string(), fc.constant({ type: 'maybe' }), fc.constant({ type: 'enabled', budget_tokens: -1 })),
  ),
  fc.tuple(
    fc.constant('reasoning_effort'),
    fc.oneof(
      fc.string().filter((effort) => !['minimal', 'low', 'medium', 'high'].includes(effort)),
      fc.integer(),
    ),
  ),
  fc.tuple(fc.constant('response_format'), fc.oneof(fc.string(), fc.constant({ type: 'xml' }), fc.constant({}))),
  fc.tuple(fc.constant('remember'), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
);

function expectStreamEnded(textBody: string, failing: boolean): void {
  const events = textBody
    .split('\n\n')
    .map((block) => block.trim())
    .filter(Boolean);
  expect(events.length).toBeGreaterThan(0);
  for (const event of events) expect(event.startsWith('data: ')).toBe(true);
  const last = events.at(-1);
  if (failing) expect(last).toMatch(/^data: \{"error"/);
  else expect(last, textBody.slice(-500)).toBe('data: [DONE]');
}

describe('chat completions fuzzing', { timeout: FUZZ_TEST_TIMEOUT_MS }, () => {
  it('valid bodies (JSON and stream) answer 200, with fallback past a scripted 502', async () => {
    await assertValidAnswered(route, validBody, {
      stream: (text) => expectStreamEnded(text, false),
      json: { object: 'chat.completion', choices: [expect.anything()] },
    });
  });

  it('one broken field is a 400 whose param or message names it', async () => {
    await assertBrokenFieldNamed(route, validBody, corruption);
  });

  it('arbitrary JSON, arbitrary model names and fallback lists: 200 or a 4xx naming the problem', async () => {
    const loose = fc.record(
      {
        model: fc.oneof(text, fc.anything()),
        messages: fc.oneof(fc.array(fc.anything(), { maxLength: 3 }), fc.anything()),
        models: fc.array(text, { maxLength: 3 }),
        stream: fc.boolean(),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          loose,
          fc.jsonValue(),
          fc.anything().map((value) => ({ value })),
        ),
        async (body) => {
          const answer = await chat(JSON.stringify(body) ?? 'null');
          expectNoLeak(answer.text);
          if (answer.status === 200) return;
          const error = expectOpenAIError(answer.status, answer.text);
          if (answer.status === 404) expect(error.error.code).toBe('model_not_found');
          if (answer.status === 400)
            expect(`${error.error.param ?? ''}${error.error.message}`).toMatch(/'[^']*'|body|JSON/);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('text that is not JSON, or JSON cut short, is a 400 invalid_json or bad_request', async () => {
    const valid = JSON.stringify({ model: 'glm', messages: [{ role: 'user', content: 'hi' }] });
    const broken = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer({ min: 0, max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
      fc
        .tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
        .map(([at, junk]) => valid.slice(0, at) + junk + valid.slice(at + 1)),
    );
    await fc.assert(
      fc.asyncProperty(broken, async (body) => {
        const answer = await chat(body);
        expectNoLeak(answer.text);
        if (answer.status === 200) return; // the mutation happened to keep it valid
        const error = expectOpenAIError(answer.status, answer.text);
        expect([400, 404]).toContain(answer.status);
        if (answer.status === 400) expect(['invalid_json', 'bad_request']).toContain(error.error.code);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('any content type: 200 for JSON, else a 4xx that says what to send', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'application/xml',
        '',
        'application/json; charset=latin1',
      ),
      fc.stringMatching(/^[a-z]{1,10}\/[a-z+.-]{1,15}$/),
    );
    const body = fc.oneof(
      fc.constant(JSON.stringify({ model: 'glm', messages: [{ role: 'user', content: 'hi' }] })),
      fc.string(),
      fc.constant('a=b&c=d'),
      fc.constant('--x\r\ncontent-disposition: form-data; name="model"\r\n\r\nglm\r\n--x--\r\n'),
    );
    await fc.assert(
      fc.asyncProperty(contentType, body, async (type, payload) => {
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        const answer = await chat(payload, headers);
        expectNoLeak(answer.text);
        if (answer.status === 200) return;
        expectOpenAIError(answer.status, answer.text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('a "__proto__" key anywhere is a 400 that names it', async () => {
    await fc.assert(
      fc.asyncProperty(
        validBody,
        fc.constantFrom('provider_options', 'tools', 'messages', 'thinking'),
        async (body, field) => {
          const json = JSON.stringify({ ...body, [field]: { ok: 1 } }).replace(
            '{"ok":1}',
            '{"__proto__":{"polluted":true}}',
          );
          expectFieldRefused(await chat(json), '__proto__');
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: Math.max(20, Math.floor(FUZZ_RUNS / 10)) },
    );
  });

  it('huge and deeply nested values: 200, 400 naming the field, or 413', async () => {
    const base = '{"model":"glm","messages":[{"role":"user","content":"hi"}]';
    const nested = (depth: number, open: string, close: string, leaf: string) =>
      open.repeat(depth) + leaf + close.repeat(depth);
    const shape = fc.oneof(
      fc
        .integer({ min: 1, max: 12_000 })
        .map(
          (depth) =>
            [`provider_options`, `${base},"provider_options":{"x":${nested(depth, '{"a":', '}', '1')}}}`] as const,
        ),
      fc
        .integer({ min: 1, max: 12_000 })
        .map(
          (depth) =>
            [
              `response_format`,
              `${base},"stream":true,"response_format":{"type":"json_schema","json_schema":${nested(depth, '[', ']', '')}}}`,
            ] as const,
        ),
      fc
        .integer({ min: 1, max: 12_000 })
        .map(
          (depth) =>
            [
              `tools`,
              `${base},"tools":[{"type":"function","function":{"name":"f","parameters":{"p":${nested(depth, '[', ']', '')}}}}]}`,
            ] as const,
        ),
      fc
        .integer({ min: 1, max: 12_000 })
        .map(
          (depth) =>
            [
              `messages`,
              `{"model":"glm","messages":[{"role":"user","content":"hi","extra":${nested(depth, '[', ']', '')}}]}`,
            ] as const,
        ),
      fc
        .integer({ min: MAX_BODY_BYTES - 100, max: MAX_BODY_BYTES * 3 })
        .map((size) => [`body`, `${base},"user":"${'x'.repeat(size)}"}`] as const),
      fc
        .integer({ min: 1, max: 2_000 })
        .map(
          (count) =>
            [
              `messages`,
              `{"model":"glm","messages":[${Array.from({ length: count }, () => '{"role":"user","content":"é"}').join(',')}]}`,
            ] as const,
        ),
    );
    await assertHugeRefused(route, shape, { numRuns: Math.max(50, Math.floor(FUZZ_RUNS / 5)), mayPass: true });
  });

  it('a scripted upstream 503 with no fallback maps to 503 overloaded, before and after streaming starts', async () => {
    for (const stream of [false, true]) {
      const answer = await chat(
        JSON.stringify({ model: FAILING_MODEL, stream, messages: [{ role: 'user', content: 'hi' }] }),
      );
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'overloaded', type: 'api_error' } });
      expectNoLeak(answer.text);
    }
  });

  it('still answers a normal request afterwards, with no unhandled rejection on the way', async () => {
    const answer = await chat(JSON.stringify({ model: 'kimi', messages: [{ role: 'user', content: 'still there?' }] }));
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Simulated answer to: still there?');
    expect(route.problems).toEqual([]);
  });
});
