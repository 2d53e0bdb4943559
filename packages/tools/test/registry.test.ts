import { resolve } from 'node:path';
import type { Engine, Store } from '@exai/engine';
import type { Simulator } from '@exai/provider-simulator';
import { describe, expect, it } from 'vitest';
import { createToolRegistry, selectTools } from '../src/index.js';
import { gatewayForFile } from './helpers.js';

let sim: Simulator;
let engine: Engine;
let store: Store;
const packageDir = resolve(import.meta.dirname, '..');
const me = { owner: 'tester' };

// A provider key rejected by one test is held out only briefly, so the next test finds it re-checked.
gatewayForFile(
  ['glm', 'kimi', 'minimax', 'openai'],
  { retry: { maxAttempts: 1, maxAttemptsPerRequest: 1 }, breaker: { credentialHoldMs: 1 } },
  (opened) => {
    ({ sim, engine, store } = opened);
  },
);

const tokens = (registry: ReturnType<typeof createToolRegistry>) =>
  Math.ceil(
    JSON.stringify(
      registry.list().map((tool) => ({
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: tool.jsonSchema,
        annotations: tool.annotations,
      })),
    ).length / 4,
  );

describe('createToolRegistry', () => {
  it('selects tools by profile, EXAI_ENABLED_TOOLS and EXAI_DISABLED_TOOLS, keeping listmodels and version', () => {
    expect(
      createToolRegistry({ engine, store, env: { EXAI_TOOL_PROFILE: 'lean' } })
        .list()
        .map((tool) => tool.name),
    ).toEqual(['chat', 'consensus', 'threads', 'listmodels', 'status', 'version']);
    const standard = createToolRegistry({ engine, store, env: {} });
    expect(standard.profile).toBe('standard');
    expect(standard.list()).toHaveLength(14);
    expect(selectTools('lean', ['files'], ['chat', 'listmodels', 'version'])).toEqual([
      'consensus',
      'files',
      'threads',
      'listmodels',
      'status',
      'version',
    ]);
    expect(() => createToolRegistry({ engine, store, env: { EXAI_DISABLED_TOOLS: 'nope' } })).toThrow(
      /unknown tool 'nope'/,
    );
    expect(() => createToolRegistry({ engine, store, env: { EXAI_TOOL_PROFILE: 'huge' } })).toThrow(
      /EXAI_TOOL_PROFILE/,
    );
  });

  it('keeps the listing under 5,000 tokens (standard) and 2,500 (lean), with JSON Schemas', () => {
    const standard = createToolRegistry({ engine, store, env: {} });
    expect(tokens(standard)).toBeLessThan(5_000);
    expect(tokens(createToolRegistry({ engine, store, profile: 'lean', env: {} }))).toBeLessThan(2_500);
    const chat = standard.list().find((tool) => tool.name === 'chat')!;
    expect(chat.jsonSchema).toMatchObject({ type: 'object', required: ['prompt'], additionalProperties: false });
  });

  it('gives every tool with a structured answer an output schema, and each answer matches it', async () => {
    const registry = createToolRegistry({ engine, store, profile: 'full', env: {} });
    const withOutput = registry
      .list()
      .filter((tool) => tool.outputSchema)
      .map((tool) => tool.name);
    expect(withOutput).toEqual(registry.list().map((tool) => tool.name));
    const calls: Array<[string, Record<string, unknown>]> = [
      ['chat', { prompt: 'hi' }],
      ['consensus', { prompt: 'Ship it?', roles: ['architect', 'validator'] }],
      ['listmodels', {}],
      ['status', {}],
      ['threads', {}],
      ['web_search', { query: 'mcp', provider: 'glm' }],
      ['version', {}],
    ];
    for (const [name, args] of calls) {
      const result = await registry.call(name, args, { scope: me });
      expect(result.isError, `${name}: ${result.content}`).toBeUndefined();
      const schema = registry.list().find((tool) => tool.name === name)!.outputSchema!;
      expect(schema.safeParse(result.structured).success, name).toBe(true);
      expect(result.content.length, `${name} keeps its text`).toBeGreaterThan(0);
    }
    const consensus = await registry.call('consensus', { prompt: 'Ship it?', roles: ['architect'] }, { scope: me });
    expect(consensus.structured).toMatchObject({
      responses: [{ ok: true, stance: expect.any(String), content: expect.any(String), latencyMs: expect.any(Number) }],
      synthesis: { content: expect.any(String) },
    });
    const search = await registry.call('web_search', { query: 'mcp', provider: 'glm' }, { scope: me });
    expect((search.structured as { results: Array<{ url: string }> }).results[0]?.url).toMatch(/^https?:/);
  });

  it('reads roles from EXAI_ROLES over the defaults and resolves role → model', async () => {
    const registry = createToolRegistry({
      engine,
      store,
      env: {
        EXAI_ROLES: JSON.stringify({ coder: { model: 'glm' }, tester: { model: 'kimi', systemPrompt: 'Test it.' } }),
      },
    });
    expect(registry.roles.coder?.model).toBe('glm');
    expect(registry.roles.architect?.model).toBe('glm');
    const answer = await registry.call('chat', { prompt: 'hi', role: 'tester' }, { scope: me });
    expect(answer.meta?.provider).toBe('kimi');
    expect(JSON.stringify(sim.log.at(-1)?.body)).toContain('Test it.');
    expect(() => createToolRegistry({ engine, store, env: { EXAI_ROLES: '{"x":{"stance":"maybe"}}' } })).toThrow(
      /EXAI_ROLES is invalid: x.stance/,
    );
  });

  it('never throws: unknown tools, bad arguments (each field named), unknown roles and files outside the roots are hinted results', async () => {
    const registry = createToolRegistry({ engine, store, env: {}, allowedRoots: [packageDir] });
    const unknown = await registry.call('nope', {}, { scope: me });
    expect(unknown).toMatchObject({ isError: true });
    expect(unknown.content).toMatch(/^unknown tool 'nope'\. Hint: available tools: chat/);
    const bad = await registry.call('chat', { prompt: 3, temperature: 9, extra: true }, { scope: me });
    expect(bad.isError).toBe(true);
    expect(bad.content).toMatch(/prompt: .*temperature: .*unknown field\(s\) 'extra'.*Hint:/);
    const role = await registry.call('codereview', { prompt: 'x', role: 'poet' }, { scope: me });
    expect(role.content).toMatch(/^unknown role 'poet'\. Hint: use one of: architect/);
    const outside = await registry.call('analyze', { prompt: 'x', files: ['/etc/passwd'] }, { scope: me });
    expect(outside.isError).toBe(true);
    expect(outside.content).toContain("'/etc/passwd' (outside roots)");
    const upload = await registry.call('file_query', { prompt: 'x', files: ['../../package.json'] }, { scope: me });
    expect(upload.content).toMatch(/outside the allowed roots.*Hint:/);
  });

  it('turns provider failures into hints naming another model', async () => {
    const registry = createToolRegistry({ engine, store, env: {} });
    sim.script('kimi-k2.5', 'http-401');
    const refused = await registry.call('chat', { prompt: 'x', model: 'kimi' }, { scope: me });
    sim.reset();
    expect(refused.isError).toBe(true);
    expect(refused.content).toMatch(
      /^provider kimi rejected the gateway's credentials.*Hint: .*pass model '(glm|minimax|gpt)'/,
    );
    expect(refused.content).not.toMatch(/\n\s+at /);
  });

  it('uploads a file once per provider (sha256 dedupe) and continues the thread across tools', async () => {
    const registry = createToolRegistry({ engine, store, env: {}, allowedRoots: [packageDir] });
    const first = await registry.call('file_query', { prompt: 'name?', files: ['package.json'] }, { scope: me });
    const second = await registry.call(
      'file_query',
      { prompt: 'version?', files: ['package.json'], continuation_id: first.meta?.continuation_id },
      { scope: me },
    );
    expect(first.structured?.uploads).toEqual([expect.objectContaining({ reused: false })]);
    expect(second.structured?.uploads).toEqual([expect.objectContaining({ reused: true })]);
    expect(sim.log.filter((attempt) => attempt.method === 'POST' && attempt.path.endsWith('/files'))).toHaveLength(1);
    expect(second.meta?.continuation_id).toBe(first.meta?.continuation_id);
    const shown = await registry.call(
      'threads',
      { action: 'show', continuation_id: first.meta?.continuation_id },
      { scope: me },
    );
    expect(shown.content).toContain('version?');
  });
});

describe('files in a thread', () => {
  it('sends a file once per thread: the history carries it, a later turn does not attach it again', async () => {
    const registry = createToolRegistry({ engine, store, allowedRoots: [packageDir], env: {} });
    const first = await registry.call(
      'chat',
      { prompt: 'what is this package called?', files: ['package.json'], model: 'glm-4.6' },
      { scope: me },
    );
    expect(first.isError).toBeFalsy();
    const firstBody = JSON.stringify(sim.log.at(-1)?.body);
    expect(firstBody).toContain('@exai/tools');
    const second = await registry.call(
      'chat',
      {
        prompt: 'and its license?',
        files: ['package.json'],
        model: 'glm-4.6',
        continuation_id: first.meta?.continuation_id,
      },
      { scope: me },
    );
    expect(second.content).toContain('already in this thread');
    const messages = (sim.log.at(-1)!.body as { messages: Array<{ role: string; content: string }> }).messages;
    const userTurns = messages.filter((message) => message.role === 'user');
    // Present once, in the stored first turn; the new turn does not attach it again.
    expect(userTurns.filter((message) => message.content.includes('BEGIN FILE'))).toHaveLength(1);
    expect(userTurns.at(-1)?.content).toBe('and its license?');
  });
});
