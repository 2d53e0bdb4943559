import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@exai/core';
import type { Engine, Store } from '@exai/engine';
import { startSimulator } from '@exai/provider-simulator';
import { createToolRegistry, type JsonSchema, openGateway, type ToolDefinition, type ToolRegistry } from '@exai/tools';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMPT_TOOLS } from '../src/entries.js';
import { createBareServer, type RunningHttpServer, startHttpServer, wireServer } from '../src/index.js';
import type { Simulator, TextResult } from './helpers.js';

/**
 * Every tool of the registry with generated arguments: through `registry.call` (thousands of
 * calls) and a sample through a real MCP client over the streamable HTTP transport. A call never
 * throws and never hangs; a refusal is a result with `isError` and a hint naming the field;
 * nothing leaks a stack trace or a source path; the server answers a normal call afterwards.
 */

const runs = Number(process.env.EXAI_FUZZ_RUNS ?? 1_000);
const CALL_TIMEOUT_MS = 5_000;
const REPO_ROOT = join(import.meta.dirname, '../../..');

let sim: Simulator;
let engine: Engine;
let store: Store;
let closeGateway: (graceMs?: number) => Promise<boolean>;
let registry: ToolRegistry;
let dataDir: string;
let http: RunningHttpServer;
let client: Client;
const problems: unknown[] = [];
const onProblem = (error: unknown) => problems.push(error);

beforeAll(async () => {
  process.on('unhandledRejection', onProblem);
  sim = await startSimulator({ port: 0 });
  dataDir = mkdtempSync(join(tmpdir(), 'exai-mcp-fuzz-'));
  writeFileSync(join(dataDir, 'notes.md'), '# Notes\nqueues and breakers\n');
  const providers = Object.fromEntries(
    (['glm', 'kimi', 'minimax', 'openai'] as const).map((kind) => [
      kind,
      { kind, apiKey: 'k', baseURL: sim.baseURL(kind) },
    ]),
  );
  const config = loadConfig({
    env: {},
    input: {
      providers,
      store: { dataDir },
      logLevel: 'silent',
      retry: { maxAttempts: 1, maxAttemptsPerRequest: 2 },
      timeouts: { requestMs: 3_000, attemptMs: 2_000, firstTokenMs: 2_000, idleMs: 2_000 },
    },
  });
  ({ engine, store, close: closeGateway } = await openGateway({ config }));
  registry = createToolRegistry({
    engine,
    store,
    env: {},
    profile: 'full',
    allowedRoots: [dataDir],
    server: { name: 'fuzz', version: '0.0.0' },
  });
  http = await startHttpServer({
    port: 0,
    log: () => undefined,
    createServer: (scope) => {
      const server = createBareServer({ version: '0.0.0' });
      wireServer(server, { engine, registry, close: closeGateway }, scope);
      return server;
    },
  });
  client = new Client({ name: 'exai-fuzz', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
});
afterAll(async () => {
  process.off('unhandledRejection', onProblem);
  await client?.close();
  await http?.close();
  await closeGateway?.(500);
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('glm', 'kimi', 'notes.md', join('..', 'etc', 'passwd'), '/etc/passwd', 'th_missing'),
);

/** Values that fit a JSON Schema property (roughly), so calls get past validation often. */
function fitting(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema) return fc.jsonValue({ maxDepth: 1 });
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((option) => fitting(option, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return schema.minLength ? text.filter((value) => value.length >= (schema.minLength ?? 0)) : text;
    case 'integer':
      return fc.integer({ min: Math.ceil(schema.minimum ?? -5), max: Math.floor(schema.maximum ?? 200_000) });
    case 'number':
      return fc.double({
        noNaN: true,
        noDefaultInfinity: true,
        min: schema.minimum ?? -5,
        max: schema.maximum ?? 100_000,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 2
        ? fc.constant([])
        : fc.array(fitting(schema.items, depth + 1), {
            minLength: schema.minItems ?? 0,
            maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
          });
    case 'object':
      return depth > 2 ? fc.constant({}) : argumentsFor(schema, depth + 1);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** Mostly values a caller would really send for the fields that name things (models, roles, files, threads). */
function usual(name: string, otherwise: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const often = (arbitrary: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: otherwise });
  if (name === 'model') return often(fc.constantFrom('glm', 'kimi', 'minimax', 'gpt'));
  if (name === 'role') return often(fc.constantFrom(...Object.keys(registry.roles)));
  if (name === 'files' || name === 'paths') return often(fc.constant([join(dataDir, 'notes.md')]));
  if (name === 'continuation_id') return often(fc.constant(undefined));
  return otherwise;
}

/** Arguments for a schema: each known property fitting or of any JSON type, sometimes an unknown one. */
function argumentsFor(schema: JsonSchema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model = fc.record(
    Object.fromEntries(
      Object.entries(properties).map(([name, property]) => {
        const fit = usual(name, fitting(property, depth));
        return [
          name,
          fc.oneof(
            {
              weight: 12,
              arbitrary: name === 'models' ? fc.array(fc.constantFrom('glm', 'kimi'), { maxLength: 3 }) : fit,
            },
            { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
          ),
        ];
      }),
    ),
    { requiredKeys: (schema.required ?? []).filter((name) => name in properties) },
  );
  return fc
    .tuple(
      model,
      fc.option(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
        { freq: 12 },
      ),
    )
    .map(([known, extra]) => ({ ...(extra ?? {}), ...known }));
}

/** A wrong JSON type for a property of type `type`. */
function wrongFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const typesOf = (part: JsonSchema): Array<string | undefined> =>
    part.anyOf ? part.anyOf.flatMap(typesOf) : Array.isArray(part.type) ? part.type : [part.type];
  const type = typesOf(schema);
  const options: Array<fc.Arbitrary<unknown>> = [];
  if (!type.includes('string')) options.push(fc.string({ maxLength: 5 }));
  if (!type.includes('number') && !type.includes('integer')) options.push(fc.integer());
  if (!type.includes('boolean')) options.push(fc.boolean());
  if (!type.includes('object')) options.push(fc.constant({ nested: { x: 1 } }));
  if (!type.includes('array')) options.push(fc.constant([1, 'two']));
  return fc.oneof(...options);
}

const tools = () => registry.list();
const schemaOf = (tool: ToolDefinition) => tool.jsonSchema as JsonSchema;

/** Calls that fail the test instead of hanging. */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hung for ${CALL_TIMEOUT_MS} ms: ${what}`)), CALL_TIMEOUT_MS);
    }),
  ]);
}

function expectClean(content: string): void {
  expect(content, 'a stack frame leaked').not.toMatch(/\bat [^\n]*\(?[^\s()]+:\d+:\d+\)?/);
  expect(content, 'a source path leaked').not.toContain(REPO_ROOT);
  expect(content).not.toMatch(/node:internal|node_modules\//);
}

/** Generated arguments for any tool of the registry. */
const anyCall: fc.Arbitrary<readonly [string, Record<string, unknown>]> = fc
  .constant(null)
  .chain(() => fc.constantFrom(...tools()))
  .chain((tool) => argumentsFor(schemaOf(tool)).map((args) => [tool.name, args] as const));

/** A valid-looking call with one property of the wrong type. */
type WrongCall = readonly [string, Record<string, unknown>, string];
const oneWrongField: fc.Arbitrary<WrongCall> = fc
  // Every tool of the full profile: the ones also offered as prompts, and the rest.
  .constantFrom(...PROMPT_TOOLS, 'listmodels', 'threads', 'files', 'status', 'version')
  .chain((name): fc.Arbitrary<WrongCall> => {
    const tool = tools().find((candidate) => candidate.name === name);
    const properties = Object.entries(schemaOf(tool!).properties ?? {});
    if (properties.length === 0) return fc.constant([name, { unexpected_field: 1 }, 'unexpected_field']);
    return fc
      .constantFrom(...properties)
      .chain(([field, property]) =>
        wrongFor(property).map((value): WrongCall => [name, { prompt: 'hello', [field]: value }, field]),
      );
  });

describe('tool argument fuzzing', { timeout: Math.max(60_000, runs * 30) }, () => {
  it('registry.call never throws or hangs: a result, and a failure carries a hint', async () => {
    const ran = new Set<string>();
    await fc.assert(
      fc.asyncProperty(anyCall, async ([name, args]) => {
        const result = await bounded(
          registry.call(name, args, { scope: { owner: 'fuzz' } }),
          `${name} ${JSON.stringify(args).slice(0, 200)}`,
        );
        expect(typeof result.content).toBe('string');
        expect(result.content.length).toBeGreaterThan(0);
        expectClean(result.content);
        if (result.isError) expect(result.content).toMatch(/Hint:/);
        else ran.add(name);
      }),
      { numRuns: runs },
    );
    // The generator gets past validation for most tools, so the tools themselves were exercised.
    expect(ran.size, [...ran].join(', ')).toBeGreaterThanOrEqual(Math.min(8, tools().length));
  });

  it('a property of the wrong type is an isError result naming it, with a hint', async () => {
    await fc.assert(
      fc.asyncProperty(oneWrongField, async ([name, args, field]) => {
        const result = await bounded(
          registry.call(name, args, { scope: { owner: 'fuzz' } }),
          `${name} ${JSON.stringify(args)}`,
        );
        expect(result.isError, `${name} accepted ${JSON.stringify(args)}: ${result.content.slice(0, 200)}`).toBe(true);
        expect(result.content).toContain(field);
        expect(result.content).toMatch(/Hint:/);
        expectClean(result.content);
      }),
      { numRuns: runs },
    );
  });

  it('arbitrary tool names and non-object arguments are hinted results', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(text, fc.constantFrom(...tools().map((tool) => tool.name))),
        fc.anything(),
        async (name, args) => {
          const result = await bounded(registry.call(name, args, { scope: { owner: 'fuzz' } }), `${name}`);
          expect(typeof result.content).toBe('string');
          expectClean(result.content);
          if (result.isError) expect(result.content).toMatch(/Hint:/);
        },
      ),
      { numRuns: Math.max(100, Math.floor(runs / 2)) },
    );
  });

  it('a sample through a real MCP client over HTTP: a tool result (isError with a hint) or an invalid-params error naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyCall,
          oneWrongField.map(([name, args]) => [name, args] as const),
        ),
        async ([name, args]) => {
          try {
            const result = (await bounded(client.callTool({ name, arguments: args }), `mcp ${name}`)) as TextResult;
            const content = result.content.map((part) => part.text ?? '').join('\n');
            expectClean(content);
            if (result.isError) expect(content).toMatch(/Hint:|Input validation error|Invalid arguments/);
          } catch (error) {
            // The SDK may refuse arguments that do not fit the schema before the tool runs (JSON-RPC -32602).
            const message = (error as Error).message;
            expect(message, message).toMatch(/-32602|Invalid/);
            expectClean(message);
          }
        },
      ),
      { numRuns: Math.max(50, Math.floor(runs / 5)) },
    );
  });

  it('afterwards the MCP server still answers a normal call, and nothing was left unhandled', async () => {
    const result = (await client.callTool({
      name: 'chat',
      arguments: { prompt: 'still alive?', model: 'glm' },
    })) as TextResult;
    expect(result.isError).toBeFalsy();
    expect(result.content[0]?.text).toContain('still alive?');
    expect(problems).toEqual([]);
  });
});
