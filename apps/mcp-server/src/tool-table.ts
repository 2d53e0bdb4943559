import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { AbortingTaskStore } from './tasks.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/** What a tool's call gets besides its arguments. */
export interface ToolCallContext {
  /** Aborted when the client cancels the request (or the task). */
  signal: AbortSignal;
  /** Sends `notifications/progress` when the client asked for progress; increasing values only. */
  progress?: (update: ToolProgressUpdate) => void;
  sessionId?: string;
  /** Sends a notification related to the request (logging, on the request's own stream). */
  notify: (notification: ServerNotification) => Promise<void>;
  /** Ends the request's SSE stream (the client resumes with `Last-Event-ID`); HTTP with resumability only. */
  closeStream?: () => void;
  /** The request's `_meta` (progress token, `traceparent`...). */
  meta?: Record<string, unknown>;
}

export interface ToolEntry {
  /** The listing, as sent in `tools/list`. */
  tool: Tool;
  /** Never throws for bad input: our own `isError` result with a hint. */
  call(args: Record<string, unknown>, context: ToolCallContext): Promise<CallToolResult>;
}

/** The spec's guidance for tool names (1-128 characters: letters, digits, `_`, `-`, `.`). */
export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** `ttlMs` of a `tools/list` answer: the set changes only with configuration (and then `list_changed` is sent). */
export const TOOLS_LIST_TTL_MS = 5 * 60_000;

export interface ToolTableOptions {
  /** Tasks (2025-11-25 experimental) for the tools whose listing has `execution.taskSupport`. */
  tasks?: AbortingTaskStore;
  /** While a call with a progress token runs, a progress notification at least this often (resets client timeouts). */
  heartbeatMs?: number;
}

/**
 * The server's tools, in the order they were added (the registry's order, then fixtures): the
 * same for every request and every instance with the same configuration, so clients can cache the
 * listing and hosts keep their prompt cache. `tools/list` and `tools/call` are answered here rather
 * than by `McpServer.registerTool`, so that a bad argument is our hinted tool error (not the SDK's
 * wording), the listing carries `ttlMs`/`cacheScope` and icons, and a call may run as a task.
 */
export class ToolTable {
  readonly #entries = new Map<string, ToolEntry>();
  readonly #server: McpServer;

  constructor(server: McpServer, options: ToolTableOptions = {}) {
    this.#server = server;
    const low = server.server;
    low.registerCapabilities({
      tools: { listChanged: true },
      ...(options.tasks ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {}),
    });
    low.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [...this.#entries.values()].map((entry) => entry.tool),
      // Nothing in the listing depends on the caller: a shared cache may serve it to anyone.
      ttlMs: TOOLS_LIST_TTL_MS,
      cacheScope: 'public',
    }));
    low.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const { name, arguments: args = {}, task } = request.params;
      const entry = this.#entries.get(name);
      if (!entry) {
        return errorResult(
          `unknown tool '${name}'. Hint: available tools: ${[...this.#entries.keys()].join(', ')}; call tools/list`,
        );
      }
      const meta = request.params._meta as Record<string, unknown> | undefined;
      const taskStore = extra.taskStore;
      if (task && options.tasks && taskStore && entry.tool.execution?.taskSupport) {
        const created = await taskStore.createTask({ ...(task.ttl !== undefined ? { ttl: task.ttl } : {}) });
        const signal = options.tasks.track(created.taskId);
        const progress = progressOf(extra, options.heartbeatMs, (message) => {
          taskStore.updateTaskStatus(created.taskId, 'working', message).catch(() => undefined);
        });
        const tasks = options.tasks;
        // The answer is the task; the call runs on, its result kept for tasks/result.
        void entry
          .call(args, { signal, ...contextOf(extra, meta), ...(progress ? { progress: progress.update } : {}) })
          .then((result) => taskStore.storeTaskResult(created.taskId, result.isError ? 'failed' : 'completed', result))
          .catch(() => undefined) // cancelled: the task is already terminal
          .finally(() => {
            progress?.stop();
            tasks.untrack(created.taskId);
          });
        return { task: created };
      }
      const progress = progressOf(extra, options.heartbeatMs);
      try {
        return await entry.call(args, {
          signal: extra.signal,
          ...contextOf(extra, meta),
          ...(progress ? { progress: progress.update } : {}),
        });
      } finally {
        progress?.stop();
      }
    });
  }

  /** Adds a tool (names outside the spec's guidance or taken throw); tells a connected client. */
  add(entry: ToolEntry): void {
    const name = entry.tool.name;
    if (!TOOL_NAME.test(name)) throw new TypeError(`tool name '${name}' is outside the MCP naming guidance`);
    if (this.#entries.has(name)) throw new TypeError(`tool '${name}' is already registered`);
    this.#entries.set(name, entry);
    if (this.#server.isConnected()) this.#server.sendToolListChanged();
  }

  get size(): number {
    return this.#entries.size;
  }
}

const contextOf = (extra: Extra, meta: Record<string, unknown> | undefined) => ({
  notify: (notification: ServerNotification) => extra.sendNotification(notification),
  ...(extra.closeSSEStream ? { closeStream: extra.closeSSEStream } : {}),
  ...(extra.sessionId ? { sessionId: extra.sessionId } : {}),
  ...(meta ? { meta } : {}),
});

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Progress for a request with a progress token: increasing values only, and a heartbeat while
 * nothing else is reported (half-way to the next step, so the value still increases), which keeps
 * a client's request timeout from firing during a long model call (`resetTimeoutOnProgress`).
 */
function progressOf(
  extra: Extra,
  heartbeatMs: number | undefined,
  onMessage?: (message: string) => void,
): { update: (update: ToolProgressUpdate) => void; stop: () => void } | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined && !onMessage) return undefined;
  let last = -1;
  let total: number | undefined;
  const send = (update: ToolProgressUpdate) => {
    if (update.progress <= last) return;
    last = update.progress;
    if (update.total !== undefined) total = update.total;
    if (update.message) onMessage?.(update.message);
    if (token === undefined) return;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, ...update, ...(total !== undefined ? { total } : {}) },
      })
      .catch(() => undefined);
  };
  const timer =
    heartbeatMs && token !== undefined
      ? setInterval(() => {
          const base = Math.max(0, last);
          send({ progress: base + (Math.floor(base) + 1 - base) / 2 });
        }, heartbeatMs)
      : undefined;
  timer?.unref();
  return { update: send, stop: () => clearInterval(timer) };
}
