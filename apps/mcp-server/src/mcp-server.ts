import type { OwnerScope } from '@exai/engine';
import type { ListedTool, ToolRegistry } from '@exai/tools';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  listedToolEntriesOf,
  type PromptEntry,
  promptEntriesOf,
  SERVER_NAME,
  TASK_TOOLS,
  type ToolRunner,
  toolCallsInFlight,
  toolEntriesOf,
} from './entries.js';
import { iconsOf } from './icons.js';
import { AbortingTaskStore } from './tasks.js';
import { TOOLS_LIST_TTL_MS, type ToolCallContext, ToolTable, type ToolTableOptions } from './tool-table.js';
import type { ToolTracing } from './trace-context.js';

export { type PromptEntry, promptEntriesOf, SERVER_NAME, TASK_TOOLS, toolCallsInFlight, toolEntriesOf };

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
        'Tools that ask GLM, Kimi, MiniMax and GPT models. Every model answer carries a continuation_id: ' +
          'pass it to any tool to continue the thread. Call listmodels for models and roles. ' +
          'Long tools (consensus, thinkdeep, codereview, analyze, file_query) can run as tasks.',
    },
  );
  tables.set(server, answerFromTable(server, { tasks, heartbeatMs: options.heartbeatMs ?? 15_000 }));
  const previous = server.server.onclose;
  server.server.onclose = () => {
    if (!options.tasks) tasks.close();
    previous?.();
  };
  return server;
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
  registerListedTools(server, registry.list(), { registry, scope, tracing });
}

/** Registers the tools and prompts of a listing; each call awaits `runner` (the engine may still be loading). */
export function registerListedTools(
  server: McpServer,
  listing: readonly ListedTool[],
  runner: ToolRunner | (() => Promise<ToolRunner>),
): void {
  const table = toolTableOf(server);
  for (const entry of listedToolEntriesOf(listing, runner)) table.add(entry);
  for (const prompt of promptEntriesOf(listing)) registerPrompt(server, prompt);
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

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const contextOf = (extra: Extra, meta: Record<string, unknown> | undefined): Omit<ToolCallContext, 'signal'> => ({
  notify: (notification: ServerNotification) => extra.sendNotification(notification),
  ...(extra.closeSSEStream ? { closeStream: extra.closeSSEStream } : {}),
  ...(extra.sessionId ? { sessionId: extra.sessionId } : {}),
  ...(meta ? { meta } : {}),
});

/**
 * A tool table answering a 1.x server's `tools/list` and `tools/call` (rather than
 * `McpServer.registerTool`, so that a bad argument is our hinted tool error, the listing carries
 * `ttlMs`/`cacheScope` and icons, and a call may run as a task); a tool added later is announced.
 */
function answerFromTable(server: McpServer, options: ToolTableOptions): ToolTable {
  const table = new ToolTable({
    onAdd: () => {
      if (server.isConnected()) server.sendToolListChanged();
    },
  });
  const low = server.server;
  low.registerCapabilities({
    tools: { listChanged: true },
    ...(options.tasks ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {}),
  });
  low.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: table.list(),
    // Nothing in the listing depends on the caller: a shared cache may serve it to anyone.
    ttlMs: TOOLS_LIST_TTL_MS,
    cacheScope: 'public',
  }));
  low.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args = {}, task } = request.params;
    const taskStore = extra.taskStore;
    return table.call(name, args, {
      signal: extra.signal,
      progressToken: extra._meta?.progressToken,
      sendNotification: (notification) => extra.sendNotification(notification as ServerNotification),
      ...contextOf(extra, request.params._meta as Record<string, unknown> | undefined),
      ...(task && options.tasks && taskStore
        ? { task: { store: taskStore, running: options.tasks, ...(task.ttl !== undefined ? { ttl: task.ttl } : {}) } }
        : {}),
      heartbeatMs: options.heartbeatMs,
    });
  });
  return table;
}
