import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertBrokenFieldNamed,
  assertHugeRefused,
  assertValidAnswered,
  expectNoLeak,
  expectOpenAIError,
  FUZZ_RUNS,
  FUZZ_TEST_TIMEOUT_MS,
  useFuzzRoute,
} from './fuzz-helpers.js';

/**
 * `POST /v1/responses` under generated bodies: valid ones (JSON and event stream) answer 200, one
 * broken field is a 400 naming it, arbitrary JSON, broken JSON and huge or deeply nested values are
 * 4xx in OpenAI's shape. Never a 5xx, a stack trace or a hang.
 */

const MAX_BODY_BYTES = 64 * 1024;
const runs = Math.max(20, Math.floor(FUZZ_RUNS / 4));
const route = useFuzzRoute('/v1/responses', {
  config: { breaker: { volumeThreshold: 1_000_000 } },
  env: { EXAI_MAX_BODY_BYTES: String(MAX_BODY_BYTES) },
});
const call = route.post;

const text = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.constantFrom('\u0000', '\u202e', '😀'.repeat(30)),
);
const model = fc.constantFrom('glm', 'kimi', 'glm-4.6', 'kimi-k2-0905-preview');
const message = fc.record(
  {
    type: fc.constantFrom('message', undefined),
    role: fc.constantFrom('system', 'developer', 'user', 'assistant'),
    content: fc.oneof(
      text,
      fc.array(fc.record({ type: fc.constant('input_text'), text }), { minLength: 1, maxLength: 3 }),
    ),
  },
  { requiredKeys: ['role', 'content'] },
);
const userMessage = fc.record({ role: fc.constant('user'), content: text });
const functionTool = fc.record({
  type: fc.constant('function'),
  name: fc.stringMatching(/^[a-z_]{1,20}$/),
  parameters: fc.constant({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }),
});

const validBody = fc.record(
  {
    model,
    input: fc.oneof(
      text,
      fc.tuple(fc.array(message, { maxLength: 3 }), userMessage).map(([rest, last]) => [...rest, last]),
    ),
    instructions: text,
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_output_tokens: fc.integer({ min: 1, max: 100_000 }),
    stream: fc.boolean(),
    store: fc.boolean(),
    tools: fc.array(functionTool, { maxLength: 2 }),
    tool_choice: fc.constantFrom('auto', 'none'),
    reasoning: fc.record({ effort: fc.constantFrom('none', 'low', 'medium', 'high') }),
    metadata: fc.dictionary(fc.stringMatching(/^[a-z]{1,10}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    include: fc.constant(['reasoning.encrypted_content']),
    prompt_cache_key: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: ['model', 'input'] },
);

const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const corruption: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('model'), fc.oneof(wrongType, fc.constant(''))),
  fc.tuple(
    fc.constant('input'),
    fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant({}),
      fc.array(
        fc.oneof(fc.integer(), fc.constant({ type: 'unknown_item' }), fc.constant({ role: 'robot', content: 'x' })),
        { minLength: 1, maxLength: 2 },
      ),
    ),
  ),
  fc.tuple(
    fc.constant('temperature'),
    fc.oneof(fc.double({ min: 2.000001, noNaN: true, noDefaultInfinity: true }), fc.string()),
  ),
  fc.tuple(fc.constant('max_output_tokens'), fc.oneof(fc.integer({ max: 0 }), fc.constant(1.5), fc.string())),
  fc.tuple(
    fc.constant('tools'),
    fc.oneof(fc.integer(), fc.constant([{ type: 'function', name: '' }]), fc.constant([{ type: 'file_search' }])),
  ),
  fc.tuple(fc.constant('reasoning'), fc.oneof(fc.string(), fc.constant({ effort: 'maximum' }))),
  fc.tuple(fc.constant('metadata'), fc.oneof(fc.string(), fc.constant({ k: 1 }))),
  fc.tuple(fc.constant('conversation'), fc.constant('conv_1')),
  fc.tuple(fc.constant('stream'), fc.oneof(fc.integer(), fc.string())),
);

describe('responses fuzzing', { timeout: FUZZ_TEST_TIMEOUT_MS }, () => {
  it('valid bodies (JSON and stream) answer 200', async () => {
    await assertValidAnswered(
      route,
      validBody,
      {
        stream: (text) => expect(text).toMatch(/event: response\.completed\ndata: .*\n\n$/s),
        json: { object: 'response', status: expect.stringMatching(/completed|incomplete/) },
      },
      runs,
    );
  });

  it('one broken field is a 400 whose param or message names it', async () => {
    await assertBrokenFieldNamed(route, validBody, corruption, { numRuns: runs });
  });

  it("arbitrary JSON and broken JSON text: 200 or a 4xx in OpenAI's shape", async () => {
    const valid = JSON.stringify({ model: 'glm', input: 'hi' });
    const body = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record(
          { model: fc.anything(), input: fc.anything(), previous_response_id: fc.anything() },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value) ?? 'null'),
      fc.string({ unit: 'binary' }),
      fc.integer({ min: 0, max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const answer = await call(payload);
        expectNoLeak(answer.text);
        if (answer.status === 200) return;
        expectOpenAIError(answer.status, answer.text);
        expect([400, 404]).toContain(answer.status);
      }),
      { numRuns: runs },
    );
  });

  it('huge and deeply nested values: 400 naming the field, or 413', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const shape = fc.oneof(
      fc
        .integer({ min: 70, max: 12_000 })
        .map(
          (depth) =>
            [
              'tools',
              `{"model":"glm","input":"hi","tools":[{"type":"function","name":"f","parameters":{"p":${nested(depth)}}}]}`,
            ] as const,
        ),
      fc
        .integer({ min: 70, max: 12_000 })
        .map(
          (depth) =>
            ['input', `{"model":"glm","input":[{"role":"user","content":"hi","x":${nested(depth)}}]}`] as const,
        ),
      fc
        .integer({ min: MAX_BODY_BYTES, max: MAX_BODY_BYTES * 3 })
        .map((size) => ['body', `{"model":"glm","input":"${'x'.repeat(size)}"}`] as const),
      fc
        .integer({ min: 2_049, max: 3_000 })
        .map(
          (count) =>
            [
              'input',
              `{"model":"glm","input":[${Array.from({ length: count }, () => '{"role":"user","content":"é"}').join(',')}]}`,
            ] as const,
        ),
    );
    await assertHugeRefused(route, shape, { numRuns: Math.max(20, Math.floor(FUZZ_RUNS / 10)), mayPass: false });
  });

  it('still answers afterwards, with no unhandled rejection on the way', async () => {
    const answer = await call(JSON.stringify({ model: 'kimi', input: 'still there?' }));
    expect(answer.status).toBe(200);
    expect(route.problems).toEqual([]);
  });
});
