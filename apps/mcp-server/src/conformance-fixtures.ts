import { setTimeout as pause } from 'node:timers/promises';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type PromptEntry, registerPrompt, toolTableOf } from './mcp-server.js';
import type { ToolCallContext, ToolTable } from './tool-table.js';

const EMPTY = { type: 'object' as const, properties: {} };

function fixture(
  table: ToolTable,
  name: string,
  description: string,
  call: (context: ToolCallContext) => Promise<CallToolResult>,
): void {
  table.add({ tool: { name, description, inputSchema: EMPTY }, call: (_args, context) => call(context) });
}

/**
 * The fixture tools and prompts the official conformance suite calls by name. Registered only with
 * `--conformance`: they exercise the same protocol paths as the real tools (progress, logging,
 * isError results, prompts) without a model behind them.
 */
export function registerConformanceFixtures(server: McpServer): void {
  registerConformanceTools(toolTableOf(server));
  registerConformancePrompts(server);
}

/** The fixture tools, in any tool table (the 2025 server's, or a tenant's for 2026-07-28). */
export function registerConformanceTools(table: ToolTable): void {
  fixture(table, 'test_simple_text', 'Conformance fixture: returns a text', async () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));
  fixture(table, 'test_error_handling', 'Conformance fixture: always fails', async () => ({
    content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
    isError: true,
  }));
  fixture(table, 'test_tool_with_progress', 'Conformance fixture: reports progress', async (context) => {
    for (const progress of [0, 50, 100]) {
      context.progress?.({ progress, total: 100 });
      if (progress < 100) await pause(50);
    }
    const token = context.meta?.progressToken;
    return { content: [{ type: 'text', text: String(token ?? 'no token') }] };
  });
  fixture(table, 'test_tool_with_logging', 'Conformance fixture: logs while running', async (context) => {
    for (const data of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) {
      await context.notify({ method: 'notifications/message', params: { level: 'info', data } });
      await pause(50);
    }
    return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
  });
  // SEP-1699 (server-sse-polling): the stream closes mid-call, the answer comes on the resumed one.
  fixture(table, 'test_reconnection', 'Conformance fixture: closes its SSE stream, then answers', async (context) => {
    context.closeStream?.();
    await pause(200);
    return { content: [{ type: 'text', text: 'Reconnection test completed' }] };
  });
}

/**
 * The fixtures of the 2026-07-28 tasks extension scenario (`tasks-lifecycle`, SEP-2663): a sync
 * tool, and three that run as tasks (a sleep that honours cancellation, a tool error, a throw).
 */
export function registerTaskFixtures(table: ToolTable): void {
  const task = { taskSupport: 'optional' as const };
  table.add({
    tool: {
      name: 'greet',
      description: 'Conformance fixture: greets',
      inputSchema: { type: 'object', properties: { name: { type: 'string' } } },
    },
    call: async (args) => ({ content: [{ type: 'text', text: `Hello, ${String(args.name ?? 'World')}!` }] }),
  });
  table.add({
    tool: {
      name: 'slow_compute',
      description: 'Conformance fixture: sleeps `seconds`, then answers',
      inputSchema: { type: 'object', properties: { seconds: { type: 'number' }, label: { type: 'string' } } },
      execution: task,
    },
    call: async (args, context) => {
      await pause(Number(args.seconds ?? 0) * 1000, undefined, { signal: context.signal });
      return { content: [{ type: 'text', text: `computed ${String(args.label ?? '')}` }] };
    },
  });
  table.add({
    tool: {
      name: 'failing_job',
      description: 'Conformance fixture: a tool error',
      inputSchema: EMPTY,
      execution: task,
    },
    call: async () => {
      await pause(1000);
      return { content: [{ type: 'text', text: 'the job failed' }], isError: true };
    },
  });
  table.add({
    tool: {
      name: 'protocol_error_job',
      description: 'Conformance fixture: throws',
      inputSchema: EMPTY,
      execution: task,
    },
    call: async () => {
      throw new Error('protocol_error_job always throws');
    },
  });
}

/** The fixture prompts (the 2025 server registers them; the 2026-07-28 leg lists them too). */
export const CONFORMANCE_PROMPTS: PromptEntry[] = [
  {
    name: 'test_simple_prompt',
    description: 'Conformance fixture prompt',
    arguments: [],
    messages: () => [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  },
  {
    name: 'test_prompt_with_arguments',
    description: 'Conformance fixture prompt with arguments',
    arguments: [
      { name: 'arg1', required: true },
      { name: 'arg2', required: true },
    ],
    messages: ({ arg1, arg2 }) => [
      { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
    ],
  },
];

function registerConformancePrompts(server: McpServer): void {
  for (const prompt of CONFORMANCE_PROMPTS) registerPrompt(server, prompt);
}
