import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it, vi } from 'vitest';
import {
  CLI,
  continuationOf,
  listingTokensOf,
  type TextResult,
  textOf,
  tokensOf,
  useSimulatorEnvironment,
} from './helpers.js';

const suite = useSimulatorEnvironment();

async function connect(extra: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { ...suite.env, ...extra },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'exai-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, close: () => client.close() };
}

describe('exai-mcp over stdio (built bundle)', () => {
  it('lists the standard tools within the token budget and answers every tool against the simulator', async () => {
    const { client, close } = await connect({ EXAI_TOOL_PROFILE: 'full' });
    try {
      expect(client.getServerCapabilities()).toMatchObject({ tools: {}, prompts: {}, logging: {} });
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(
        [
          'analyze',
          'challenge',
          'chat',
          'codereview',
          'consensus',
          'debug',
          'file_query',
          'files',
          'listmodels',
          'planner',
          'status',
          'thinkdeep',
          'threads',
          'version',
          'web_search',
        ].sort(),
      );
      const calls: Array<[string, Record<string, unknown>]> = [
        ['chat', { prompt: 'hello', model: 'glm' }],
        ['consensus', { prompt: 'Adopt SQLite?', roles: ['architect', 'validator'], deadline_s: 30 }],
        ['thinkdeep', { prompt: 'hard problem' }],
        ['codereview', { prompt: 'review this', files: ['package.json'] }],
        ['debug', { prompt: 'it crashes' }],
        ['analyze', { prompt: 'explain', files: ['tsconfig.json'] }],
        ['planner', { prompt: 'plan a migration' }],
        ['challenge', { prompt: 'tabs beat spaces' }],
        ['web_search', { query: 'mcp spec', provider: 'glm' }],
        ['web_search', { query: 'mcp spec', provider: 'kimi' }],
        ['file_query', { files: ['package.json'], prompt: 'name?' }],
      ];
      // Every tool declares an output schema; the SDK client checks each structuredContent against it.
      expect(tools.filter((tool) => !tool.outputSchema).map((tool) => tool.name)).toEqual([]);
      for (const [name, args] of calls) {
        const result = (await client.callTool({ name, arguments: args })) as TextResult;
        expect(result.isError, `${name}: ${textOf(result)}`).toBeFalsy();
        expect(continuationOf(result), name).toMatch(/\S/);
        expect(result.structuredContent, name).toMatchObject({ continuation_id: continuationOf(result) });
        expect(textOf(result).length, `${name} keeps its text`).toBeGreaterThan(0);
      }
      const files = (await client.callTool({ name: 'files', arguments: {} })) as TextResult;
      expect(textOf(files)).toContain('package.json');
      for (const name of ['threads', 'listmodels', 'status']) {
        const result = (await client.callTool({ name, arguments: {} })) as TextResult;
        expect(result.isError, name).toBeFalsy();
        expect(Object.keys(result.structuredContent ?? {}).length, name).toBeGreaterThan(0);
      }
      const consensus = (await client.callTool({
        name: 'consensus',
        arguments: { prompt: 'Adopt SQLite?', roles: ['architect', 'validator'] },
      })) as TextResult;
      expect(consensus.structuredContent).toMatchObject({
        responses: [
          { ok: true, stance: 'neutral', content: expect.any(String), latencyMs: expect.any(Number) },
          { ok: true, stance: 'against', content: expect.any(String), latencyMs: expect.any(Number) },
        ],
        synthesis: { content: expect.any(String) },
      });
      const version = (await client.callTool({ name: 'version', arguments: {} })) as TextResult;
      expect(version.structuredContent).toMatchObject({ server: '@exai/mcp-server', profile: 'full' });
      // every chat request reached the simulator, none was simulated by the engine itself
      expect(suite.sim.log.some((attempt) => attempt.path.endsWith('/web_search'))).toBe(true);
    } finally {
      await close();
    }
  });

  it('keeps tools/list under 5,000 tokens (standard) and 2,500 (lean)', async () => {
    for (const [profile, budget, count] of [
      ['standard', 5_000, 14],
      ['lean', 2_500, 6],
    ] as const) {
      const { client, close } = await connect({ EXAI_TOOL_PROFILE: profile });
      const { tools } = await client.listTools();
      await close();
      expect(tools).toHaveLength(count);
      expect(tokensOf(tools), profile).toBeLessThan(budget);
      expect(listingTokensOf(tools), `${profile}, output schemas included`).toBeLessThan(budget * 1.6);
    }
  });

  it('answers bad arguments with isError and stays alive; progress arrives; a thread continues in a second process', async () => {
    const first = await connect();
    const bad = (await first.client.callTool({ name: 'chat', arguments: { prompt: 42 } })) as TextResult;
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/prompt/);
    const unknownModel = (await first.client.callTool({
      name: 'chat',
      arguments: { prompt: 'x', model: 'no-such-model' },
    })) as TextResult;
    expect(unknownModel.isError).toBe(true);
    expect(textOf(unknownModel)).toContain("unknown model 'no-such-model'. Hint: call listmodels");
    const progress: number[] = [];
    const answer = (await first.client.callTool(
      { name: 'chat', arguments: { prompt: 'remember the word ZEBRA', model: 'kimi' } },
      undefined,
      {
        onprogress: (update) => progress.push(update.progress),
      },
    )) as TextResult;
    expect(answer.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThan(0);
    const thread = continuationOf(answer)!;
    await first.close();

    const second = await connect();
    try {
      const next = (await second.client.callTool({
        name: 'codereview',
        arguments: { prompt: 'and now?', continuation_id: thread },
      })) as TextResult;
      expect(next.isError, textOf(next)).toBeFalsy();
      expect(continuationOf(next)).toBe(thread);
      const lastChat = suite.sim.log.filter((attempt) => attempt.path.endsWith('/chat/completions')).at(-1);
      expect(JSON.stringify(lastChat?.body)).toContain('ZEBRA');
      const shown = (await second.client.callTool({
        name: 'threads',
        arguments: { action: 'show', continuation_id: thread },
      })) as TextResult;
      expect(textOf(shown)).toContain('[codereview]');
    } finally {
      await second.close();
    }
  });

  it('cancelling a call hangs up the upstream request', async () => {
    const { client, close } = await connect();
    try {
      suite.sim.script('MiniMax-M2', 'no-response');
      const controller = new AbortController();
      const call = client.callTool(
        { name: 'chat', arguments: { prompt: 'wait forever', model: 'minimax/MiniMax-M2' } },
        undefined,
        { signal: controller.signal },
      );
      await vi.waitFor(
        () =>
          expect(
            suite.sim.log.some((attempt) => attempt.model === 'MiniMax-M2' && attempt.scenario === 'no-response'),
          ).toBe(true),
        { timeout: 10_000 },
      );
      controller.abort();
      await expect(call).rejects.toThrow();
      await vi.waitFor(
        () => expect(suite.sim.log.find((attempt) => attempt.scenario === 'no-response')?.clientHungUp).toBe(true),
        { timeout: 5_000 },
      );
      const alive = (await client.callTool({ name: 'version', arguments: {} })) as TextResult;
      expect(alive.isError).toBeFalsy();
    } finally {
      suite.sim.reset();
      await close();
    }
  });

  it('writes only JSON-RPC to stdout', async () => {
    const child = spawn(process.execPath, [CLI], {
      env: { ...suite.env, EXAI_LOG_LEVEL: 'debug' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'chat', arguments: { prompt: 'hi', model: 'glm' } },
    });
    await vi.waitFor(() => expect(stdout).toContain('"id":2'), { timeout: 10_000 });
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
    const lines = stdout.trim().split('\n');
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });
});
