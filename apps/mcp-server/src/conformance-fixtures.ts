import { setTimeout as pause } from 'node:timers/promises';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * The fixture tools and prompts the official conformance suite calls by name. Registered only with
 * `--conformance`: they exercise the same protocol paths as the real tools (progress, logging,
 * isError results, prompts) without a model behind them.
 */
export function registerConformanceFixtures(server: McpServer): void {
  server.registerTool('test_simple_text', { description: 'Conformance fixture: returns a text' }, async () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));
  server.registerTool('test_error_handling', { description: 'Conformance fixture: always fails' }, async () => ({
    content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
    isError: true,
  }));
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Conformance fixture: reports progress' },
    async (extra) => {
      const token = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (token !== undefined)
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress, total: 100 },
          });
        if (progress < 100) await pause(50);
      }
      return { content: [{ type: 'text', text: String(token ?? 'no token') }] };
    },
  );
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Conformance fixture: logs while running' },
    async (extra) => {
      for (const data of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) {
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data } });
        await pause(50);
      }
      return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
    },
  );
  server.registerPrompt('test_simple_prompt', { description: 'Conformance fixture prompt' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    { description: 'Conformance fixture prompt with arguments', argsSchema: { arg1: z.string(), arg2: z.string() } },
    ({ arg1, arg2 }) => ({
      messages: [
        { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
      ],
    }),
  );
}
