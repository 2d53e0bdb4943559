import type { OwnerScope } from '@exai/engine';
import type { ToolDefinition, ToolRegistry, ToolResult } from '@exai/tools';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { iconsOf } from './icons.js';
import { AbortingTaskStore } from './tasks.js';
import { type ToolEntry, ToolTable } from './tool-table.js';
import { type ToolTracing, traceToolCall } from './trace-context.js';

export const SERVER_NAME = 'exai';

/** Tools also offered as prompts (slash commands in hosts that show prompts). */
export const PROMPT_TOOLS: readonly string[] = [
  'chat',
  'consensus',
  'thinkdeep',
  'codereview',
  'debug',
  'analyze',
  'planner',
  'challenge',
  'web_search',
  'file_query',
];

export interface McpServerOptions {
  version: string;
  /** Extra instructions shown to the host at initialize. */
  instructions?: string;
  /** While a call with a progress token runs, progress at least this often. Default 15 s. */
  heartbeatMs?: number;
  /**
   * The tasks of this server's tenant, shared with other servers (HTTP: kept in the store, living on
   * after the server closes). Default: the server's own in-memory tasks, aborted when it closes.
   */
  tasks?: AbortingTaskStore;
}

/** Tools that may run as tasks (2025-11-25 experimental): the ones that can outlast a client's request timeout. */
export const TASK_TOOLS: readonly string[] = ['consensus', 'thinkdeep', 'codereview', 'analyze', 'file_query'];

const tables = new WeakMap<McpServer, ToolTable>();

/** The tool table of a server made by `createBareServer` (fixtures and tools are added to it). */
export function toolTableOf(server: McpServer): ToolTable {
  const table = tables.get(server);
  if (!table) throw new TypeError('not a server made by createBareServer');
  return table;
}

/**
 * The MCP server with tools (answered by our tool table), tasks, prompts and logging declared up
 * front: tools can be added after connect.
 */
export function createBareServer(options: McpServerOptions): McpServer {
  const tasks = options.tasks ?? new AbortingTaskStore();
  const server = new McpServer(
    { name: SERVER_NAME, title: 'EX-AI gateway', version: options.version, icons: iconsOf('consensus') },
    {
      capabilities: { prompts: { listChanged: true }, logging: {} },
      taskStore: tasks,
      // Registering many tools at once sends one list_changed, not one per tool.
      debouncedNotificationMethods: ['notifications/tools/list_changed', 'notifications/prompts/list_changed'],
      instructions:
        options.instructions ??
        'Tools that ask GLM, Kimi, MiniMax and GPT models. Every model answer carries a continuation_id: pass it to any tool to continue the thread. Call listmodels for models and roles. Long tools (consensus, thinkdeep, codereview, analyze, file_query) can run as tasks.',
    },
  );
  tables.set(server, new ToolTable(server, { tasks, heartbeatMs: options.heartbeatMs ?? 15_000 }));
  const previous = server.server.onclose;
  server.server.onclose = () => {
    if (!options.tasks) tasks.close();
    previous?.();
  };
  return server;
}

function toCallResult(result: ToolResult, definition: ToolDefinition): CallToolResult {
  return {
    content: [{ type: 'text' as const, text: result.content }],
    ...(result.isError ? { isError: true } : {}),
    ...(definition.outputSchema && result.structured && !result.isError
      ? { structuredContent: result.structured }
      : {}),
    ...(result.meta ? { _meta: { exai: { ...result.meta } } } : {}),
  };
}

let running = 0;

/** Tool calls in progress in this process (all servers). */
export function toolCallsInFlight(): number {
  return running;
}

function listingOf(definition: ToolDefinition): Tool {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: definition.jsonSchema as Tool['inputSchema'],
    ...(definition.outputJsonSchema ? { outputSchema: definition.outputJsonSchema as Tool['outputSchema'] } : {}),
    annotations: definition.annotations,
    icons: iconsOf(definition.name),
    ...(TASK_TOOLS.includes(definition.name) ? { execution: { taskSupport: 'optional' as const } } : {}),
  };
}

/** The registry's tools as tool-table entries for one tenant (`scope`: its threads and uploads). */
export function toolEntriesOf(registry: ToolRegistry, scope: OwnerScope, tracing: ToolTracing = {}): ToolEntry[] {
  return registry.list().map((definition) => ({
    tool: listingOf(definition),
    async call(args, context) {
      running += 1;
      // A `_meta.traceparent` (either protocol version) is the parent of this call's span.
      const trace = traceToolCall(tracing, definition.name, context.meta);
      let answer: CallToolResult | undefined;
      try {
        // The registry validates the arguments: a bad one is its hinted isError result.
        const result = await registry.call(definition.name, args, {
          signal: context.signal,
          scope,
          ...(context.progress ? { progress: context.progress } : {}),
          ...(context.sessionId ? { caller: `mcp:${context.sessionId}` } : {}),
          ...(trace.span ? { span: trace.span } : {}),
        });
        answer = toCallResult(result, definition);
        return answer;
      } finally {
        running -= 1;
        trace.finish(answer);
      }
    },
  }));
}

/**
 * Registers every tool of the registry, and each main tool as a prompt. `scope` is the tenant of
 * this server's client (stdio: the local tenant; HTTP: the session's token): its threads and uploads.
 */
export function registerTools(
  server: McpServer,
  registry: ToolRegistry,
  scope: OwnerScope,
  tracing: ToolTracing = {},
): void {
  const table = toolTableOf(server);
  for (const entry of toolEntriesOf(registry, scope, tracing)) table.add(entry);
  for (const prompt of promptEntriesOf(registry)) registerPrompt(server, prompt);
}

/** A prompt, for either SDK: its listing and its messages for the given arguments. */
export interface PromptEntry {
  name: string;
  title?: string;
  description?: string;
  arguments: Array<{ name: string; description?: string; required?: boolean }>;
  messages(args: Record<string, string | undefined>): Array<{ role: 'user'; content: { type: 'text'; text: string } }>;
}

/** Each main tool as a prompt (a slash command in hosts that show prompts). */
export function promptEntriesOf(registry: ToolRegistry): PromptEntry[] {
  return registry
    .list()
    .filter((definition) => PROMPT_TOOLS.includes(definition.name))
    .map((definition) => ({
      name: definition.name,
      title: definition.title,
      description: definition.description,
      arguments: [{ name: 'request', description: 'What to ask' }],
      messages: ({ request }) => [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Use the exai "${definition.name}" tool${request ? ` for: ${request}` : '.'}` +
              ' Pass its continuation_id on follow-ups.',
          },
        },
      ],
    }));
}

/** Registers a prompt entry on a 1.x server (its arguments as strings, required or not). */
export function registerPrompt(server: McpServer, prompt: PromptEntry): void {
  const argsSchema = Object.fromEntries(
    prompt.arguments.map((argument) => {
      const base = z.string();
      const typed = argument.required ? base : base.optional();
      return [argument.name, argument.description ? typed.describe(argument.description) : typed];
    }),
  );
  server.registerPrompt(
    prompt.name,
    {
      ...(prompt.title ? { title: prompt.title } : {}),
      ...(prompt.description ? { description: prompt.description } : {}),
      ...(prompt.arguments.length > 0 ? { argsSchema } : {}),
    },
    ((args: Record<string, string | undefined>) => ({ messages: prompt.messages(args ?? {}) })) as never,
  );
}
