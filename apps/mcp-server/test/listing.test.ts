import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CLI, simulatorEnvironment, type TextResult, textOf } from './helpers.js';

let env: Record<string, string>;
let cleanup: () => Promise<void>;
let client: Client;

const Listing = z.looseObject({ tools: z.array(z.looseObject({ name: z.string() })) });

beforeAll(async () => {
  ({ env, cleanup } = await simulatorEnvironment());
  client = new Client({ name: 'exai-listing-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [CLI], env: { ...env, EXAI_TOOL_PROFILE: 'full' } }),
  );
});
afterAll(async () => {
  await client?.close();
  await cleanup();
});

describe('tools/list and tool errors (2025-11-25 / 2026-07-28 guidance)', () => {
  it('lists the tools in one deterministic order with ttlMs and cacheScope, icons, names within the guidance', async () => {
    const first = await client.request({ method: 'tools/list', params: {} }, Listing);
    const second = await client.request({ method: 'tools/list', params: {} }, Listing);
    const names = first.tools.map((tool) => tool.name);
    expect(second.tools.map((tool) => tool.name)).toEqual(names);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    // The registry's order: the model tools first, the informational ones last.
    expect(names.slice(0, 2)).toEqual(['chat', 'consensus']);
    expect(names.at(-1)).toBe('version');
    expect(first).toMatchObject({ ttlMs: expect.any(Number), cacheScope: 'public' });
    expect(first.ttlMs as number).toBeGreaterThan(0);
    for (const tool of first.tools) {
      expect(tool.name).toMatch(/^[A-Za-z0-9_.-]{1,128}$/);
      expect(tool.icons, tool.name).toEqual([
        { src: expect.stringMatching(/^data:image\/svg\+xml;base64,/), mimeType: 'image/svg+xml', sizes: ['any'] },
      ]);
    }
    const tasks = first.tools
      .filter((tool) => (tool.execution as { taskSupport?: string } | undefined)?.taskSupport === 'optional')
      .map((tool) => tool.name);
    expect(tasks.sort()).toEqual(['analyze', 'codereview', 'consensus', 'file_query', 'thinkdeep']);
  });

  it("answers bad arguments and unknown tools with isError and our hint, never the SDK's wording", async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['chat', { prompt: 42 }, /^invalid arguments for chat: prompt: .*Hint: fix the named field/],
      ['consensus', { prompt: 'x', deadline_s: 1 }, /deadline_s: .*Hint:/],
      ['threads', { action: 'drop' }, /action: .*Hint:/],
      ['chat', { prompt: 'x', bogus: true }, /unknown field\(s\) 'bogus'.*Hint:/],
      ['no_such_tool', {}, /^unknown tool 'no_such_tool'\. Hint: available tools: chat/],
    ];
    for (const [name, args, pattern] of cases) {
      const result = (await client.callTool({ name, arguments: args })) as TextResult;
      expect(result.isError, name).toBe(true);
      expect(textOf(result)).toMatch(pattern);
      expect(textOf(result)).not.toMatch(/Input validation error|MCP error|-32602/);
    }
    const alive = (await client.callTool({ name: 'version', arguments: {} })) as TextResult;
    expect(alive.isError).toBeFalsy();
  });
});
