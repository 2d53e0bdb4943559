import type { OwnerScope } from '@exai/engine';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  createMcpHandler,
  isLegacyRequest,
  type McpHttpHandler,
  type Tool as ModernTool,
  ProtocolError,
  Server,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { type PromptEntry, SERVER_NAME } from './entries.js';
import { iconsOf } from './icons.js';
import type { AbortingTaskStore } from './tasks.js';
import { type TaskWriter, TOOLS_LIST_TTL_MS, type ToolTable } from './tool-table.js';

/** The 2026-07-28 tasks extension (SEP-2663): the server decides which calls become tasks. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export { isLegacyRequest };

export interface ModernOptions {
  version: string;
  instructions?: string;
  /** The tool table of a tenant: built once per tenant (stdio: once the engine has loaded). */
  tableOf: (scope: OwnerScope) => ToolTable | Promise<ToolTable>;
  /** The tasks of a tenant (kept in the store: any instance answers for them). */
  tasksOf?: (scope: OwnerScope) => AbortingTaskStore;
  heartbeatMs?: number;
  /** The prompts (the same for every tenant; stdio: once the engine has loaded). */
  prompts?: PromptEntry[] | Promise<PromptEntry[]>;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** A task as the 2026 extension sends it: flat, `ttlMs`, `pollIntervalMs`. */
function wireTask(task: Task): Record<string, unknown> {
  const { ttl, pollInterval, ...rest } = task;
  return {
    ...rest,
    ...(ttl !== null && ttl !== undefined ? { ttlMs: ttl } : {}),
    ...(pollInterval !== undefined ? { pollIntervalMs: pollInterval } : {}),
  };
}

/** Our task store bound to one request's creation (the SDK's per-request shape for 1.x). */
const writerOf = (tasks: AbortingTaskStore): TaskWriter => ({
  createTask: (params) => tasks.createTask(params, 0, { method: 'tools/call' }),
  updateTaskStatus: (taskId, status, message) => tasks.updateTaskStatus(taskId, status, message),
  storeTaskResult: (taskId, status, result) => tasks.storeTaskResult(taskId, status, result),
});

const TaskParams = z.object({ taskId: z.string() }).passthrough();

/**
 * One 2026-07-28 server instance (SDK v2): stateless, built per request from the tenant's tool
 * table. Tools only (their listing without the 2025 `execution` field); with the tasks extension
 * negotiated, the task tools answer with a task and `tasks/get` / `tasks/cancel` follow it.
 */
export function createModernServer(options: ModernOptions, scope: OwnerScope): Server {
  // Awaited per request, so the opening (`server/discover`) is answered while the engine loads.
  const table = () => options.tableOf(scope);
  const tasks = options.tasksOf?.(scope);
  const server = new Server(
    { name: SERVER_NAME, title: 'EX-AI gateway', version: options.version, icons: iconsOf('consensus') },
    {
      capabilities: {
        tools: { listChanged: true },
        ...(options.prompts ? { prompts: { listChanged: true } } : {}),
        ...(tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}),
      },
      // Nothing in the listing depends on the caller: a shared cache may serve it to anyone.
      cacheHints: { 'tools/list': { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: 'public' } },
      ...(options.instructions ? { instructions: options.instructions } : {}),
    },
  );
  // The same listing as 2025 (one home: the tool table), less `execution`, which 2026 removed.
  server.setRequestHandler('tools/list', async () => ({
    tools: (await table()).list().map(({ execution: _execution, ...tool }) => tool) as unknown as ModernTool[],
  }));
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name, arguments: args = {} } = request.params;
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as
      | { extensions?: Record<string, unknown> }
      | undefined;
    const asTask = tasks !== undefined && capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
    const meta = ctx.mcpReq._meta as Record<string, unknown> | undefined;
    const answer = await (await table()).call(name, args, {
      signal: ctx.mcpReq.signal,
      progressToken: ctx.mcpReq._meta?.progressToken,
      sendNotification: (notification) => ctx.mcpReq.notify(notification),
      notify: (notification) => ctx.mcpReq.notify(notification),
      ...(meta ? { meta } : {}),
      heartbeatMs: options.heartbeatMs,
      ...(asTask ? { task: { store: writerOf(tasks), running: tasks } } : {}),
    });
    if ('task' in answer) return { resultType: 'task', ...wireTask(answer.task as Task) } as unknown as CallToolResult;
    return answer as CallToolResult;
  });
  const prompts = options.prompts;
  if (prompts) {
    server.setRequestHandler('prompts/list', async () => ({
      prompts: (await prompts).map(({ messages: _messages, ...prompt }) => prompt),
    }));
    server.setRequestHandler('prompts/get', async (request) => {
      const prompt = (await prompts).find((entry) => entry.name === request.params.name);
      if (!prompt) throw new ProtocolError(-32602, `Unknown prompt: ${request.params.name}`);
      const args = (request.params.arguments ?? {}) as Record<string, string | undefined>;
      const missing = prompt.arguments.filter((argument) => argument.required && args[argument.name] === undefined);
      if (missing.length > 0)
        throw new ProtocolError(
          -32602,
          `Missing prompt arguments: ${missing.map((argument) => argument.name).join(', ')}`,
        );
      return { ...(prompt.description ? { description: prompt.description } : {}), messages: prompt.messages(args) };
    });
  }
  if (tasks) {
    server.setRequestHandler('tasks/get', { params: TaskParams }, async ({ taskId }) => {
      const task = await tasks.getTask(taskId);
      if (!task) throw new ProtocolError(-32602, `Unknown task: ${taskId}`);
      const detailed: Record<string, unknown> = wireTask(task);
      if (TERMINAL.has(task.status) && task.status !== 'cancelled') {
        // A tool error is a completed task whose result has isError (2026); 2025 called it failed.
        const result = await tasks.getTaskResult(taskId).catch(() => undefined);
        if (result) Object.assign(detailed, { status: 'completed', result });
        else detailed.error = { code: -32603, message: task.statusMessage ?? 'the task failed' };
      }
      return detailed;
    });
    server.setRequestHandler('tasks/cancel', { params: TaskParams }, async ({ taskId }) => {
      const task = await tasks.getTask(taskId);
      if (!task) throw new ProtocolError(-32602, `Unknown task: ${taskId}`);
      if (!TERMINAL.has(task.status)) await tasks.updateTaskStatus(taskId, 'cancelled').catch(() => undefined);
      return {};
    });
  }
  return server;
}

/**
 * The 2026-07-28 endpoint (SDK v2's `createMcpHandler`, legacy traffic rejected: 2025 clients are
 * served by the 1.x sessions or stateless transport before this). The tenant comes in `authInfo`.
 */
export function createModernHandler(options: ModernOptions): McpHttpHandler {
  return createMcpHandler(
    (context) =>
      createModernServer(options, (context.authInfo?.extra?.scope as OwnerScope | undefined) ?? { owner: '' }),
    { legacy: 'reject' },
  );
}
