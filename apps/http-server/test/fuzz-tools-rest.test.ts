import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonSchema } from '@exai/tools';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as fuzz from './fuzz-helpers.js';

/**
 * `POST /v1/tools/{name}` under generated names and bodies: a known tool with arguments that fit
 * its schema runs (200; a tool failure is `isError: true` with a hint), a wrong argument is a 400
 * naming it, an unknown tool a 404 naming it, a body that is not a JSON object a 400. Never a 5xx.
 */

let tools: Array<{ name: string; input_schema: JsonSchema }>;

// The tools' local-file root is a temporary directory (the hints name it).
const route = fuzz.useFuzzRoute('/v1/tools', {
  config: { timeouts: { requestMs: 3_000, attemptMs: 2_000, firstTokenMs: 2_000, idleMs: 2_000 } },
  serverEnv: { EXAI_ALLOWED_ROOTS: mkdtempSync(join(tmpdir(), 'exai-tools-fuzz-')) },
});

beforeAll(async () => {
  const listing = await fetch(route.url);
  tools = ((await listing.json()) as { data: typeof tools }).data;
});

const call = (name: string, body: string) =>
  fuzz.send(`${route.url}/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 15 }),
  fc.constantFrom('glm', 'kimi', 'th_missing', '../../etc/passwd'),
);

function fitting(schema: JsonSchema | undefined, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (!schema) return fc.jsonValue({ maxDepth: 1 });
  if (name === 'model') return fc.constantFrom('glm', 'kimi', 'glm-4.6', 'nope');
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((option) => fitting(option, name, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'string') return text;
  if (type === 'integer')
    return fc.integer({ min: Math.ceil(schema.minimum ?? 0), max: Math.floor(schema.maximum ?? 10_000) });
  if (type === 'number')
    return fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum ?? 0, max: schema.maximum ?? 10_000 });
  if (type === 'boolean') return fc.boolean();
  if (type === 'array')
    return depth > 2
      ? fc.constant([])
      : fc.array(fitting(schema.items, '', depth + 1), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 2, 2)),
        });
  if (type === 'object') return depth > 2 ? fc.constant({}) : argumentsFor(schema, depth + 1);
  return fc.jsonValue({ maxDepth: 1 });
}

function argumentsFor(schema: JsonSchema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  return fc.record(
    Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, fitting(property, name, depth)])),
    {
      requiredKeys: (schema.required ?? []).filter((name) => name in properties),
    },
  );
}

describe('tool REST fuzzing', { timeout: fuzz.FUZZ_TEST_TIMEOUT_MS }, () => {
  it('arguments that fit the schema run: 200, and a failed tool says isError with a hint', async () => {
    const callOf = fc
      .constantFrom(...tools)
      .chain((tool) => argumentsFor(tool.input_schema).map((args) => [tool.name, args] as const));
    await fc.assert(
      fc.asyncProperty(callOf, async ([name, args]) => {
        const answer = await call(name, JSON.stringify(args));
        fuzz.expectNoLeak(answer.text);
        expect(answer.status, `${name} ${JSON.stringify(args)} → ${answer.text.slice(0, 300)}`).toBe(200);
        const body = JSON.parse(answer.text) as { content: string; isError: boolean };
        expect(typeof body.content).toBe('string');
        if (body.isError) expect(body.content).toMatch(/Hint:/);
      }),
      { numRuns: fuzz.FUZZ_RUNS },
    );
  });

  it('one argument of a wrong type or an unknown field is a 400 naming it', async () => {
    const wrong = fc.oneof(fc.constant({ nested: [1] }), fc.constant([1, 'x']), fc.constant(null));
    const broken = fc
      .constantFrom(...tools)
      .chain((tool) =>
        fc
          .tuple(
            argumentsFor(tool.input_schema),
            fc.oneof(
              fc.constantFrom(
                ...(Object.keys(tool.input_schema.properties ?? {}).length > 0
                  ? Object.keys(tool.input_schema.properties ?? {})
                  : ['x_extra']),
              ),
              fc.stringMatching(/^x_[a-z]{1,8}$/),
            ),
            wrong,
          )
          .map(([args, field, value]) => [tool.name, { ...args, [field]: value }, field] as const),
      );
    await fc.assert(
      fc.asyncProperty(broken, async ([name, args, field]) => {
        fuzz.expectFieldRefused(await call(name, JSON.stringify(args)), field);
      }),
      { numRuns: fuzz.FUZZ_RUNS },
    );
  });

  it('arbitrary names and bodies: 200, 400 or 404 in OpenAI shape, naming the tool or the body', async () => {
    const name = fc.oneof(
      fc.constantFrom(...tools.map((tool) => tool.name)),
      fc.string({ minLength: 1 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
      fc.constantFrom('..', '%00', 'chat/../version', 'a'.repeat(3_000), 'x'.repeat(101)),
    );
    const body = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string(),
      fc.constantFrom('', '{', 'null', '[]', '"x"', '{"__proto__":{}}'),
    );
    await fc.assert(
      fc.asyncProperty(name, body, async (tool, payload) => {
        const answer = await call(tool, payload);
        fuzz.expectNoLeak(answer.text);
        if (answer.status === 200) return;
        const error = fuzz.expectOpenAIError(answer.status, answer.text);
        if (answer.status === 404) expect(error.error.message).toMatch(/tool|route/i);
        if (error.error.code === 'path_too_long' || error.error.code === 'invalid_url')
          expect(error.error.param).toBe('url');
        if (answer.status === 400)
          expect(`${error.error.param ?? ''} ${error.error.message}`).toMatch(/body|JSON|arguments|url|\w+: /);
      }),
      { numRuns: fuzz.FUZZ_RUNS },
    );
  });

  it('still runs a tool afterwards, with no unhandled rejection', async () => {
    const answer = await call('chat', JSON.stringify({ prompt: 'after fuzzing', model: 'glm' }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({
      isError: false,
      content: expect.stringContaining('after fuzzing'),
    });
    expect(route.problems).toEqual([]);
  });
});
