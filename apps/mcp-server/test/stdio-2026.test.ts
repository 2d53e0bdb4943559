import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, simulatorEnvironment, type TextResult, textOf } from './helpers.js';

let env: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ env, cleanup } = await simulatorEnvironment());
});
afterAll(async () => {
  await cleanup();
});

describe('exai-mcp over stdio at 2026-07-28 (SDK v2)', () => {
  it('a 2026 client discovers, lists the tools in the same order as 2025 with cache hints, and calls one', async () => {
    const client = new ModernClient(
      { name: 'stdio-2026', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new ModernStdio({ command: process.execPath, args: [CLI], env }));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const listed = (await client.listTools()) as { tools: Array<{ name: string; execution?: unknown }> };
      const names = listed.tools.map((tool) => tool.name);
      expect(names).toContain('consensus');
      expect(names).toContain('version');
      expect(listed.tools.every((tool) => tool.execution === undefined)).toBe(true);
      const version = (await client.callTool({ name: 'version', arguments: {} })) as TextResult;
      expect(version.isError, textOf(version)).toBeFalsy();
      expect(textOf(version)).toMatch(/@exai\/mcp-server/);
      const bad = (await client.callTool({ name: 'chat', arguments: { prompt: 42 } })) as TextResult;
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toMatch(/Hint:/);
      const prompts = await client.listPrompts();
      expect(prompts.prompts.map((prompt) => prompt.name)).toContain('consensus');
    } finally {
      await client.close();
    }
  });
});
