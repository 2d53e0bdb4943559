import type { CallToolResult, ServerNotification, Task, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AbortingTaskStore } from './tasks.js';

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

interface ProgressNotification {
  method: 'notifications/progress';
  params: { progressToken: string | number; progress: number; total?: number; message?: string };
}

/** What a task's run writes: the SDK's per-request task store (1.x), or ours bound to a request (2026). */
export interface TaskWriter {
  createTask(params: { ttl?: number }): Promise<Task>;
  updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string): Promise<void>;
  storeTaskResult(taskId: string, status: 'completed' | 'failed', result: CallToolResult): Promise<void>;
}

/** A `tools/call` as either SDK hands it over. */
export interface ToolCallRequest extends Omit<ToolCallContext, 'progress'> {
  progressToken?: string | number | undefined;
  sendNotification: (notification: ProgressNotification) => Promise<void>;
  heartbeatMs?: number | undefined;
  /** Run as a task: created in `store`, its run's signal from `running`. */
  task?: { store: TaskWriter; running: AbortingTaskStore; ttl?: number };
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
 * listing and hosts keep their prompt cache. Either SDK's `tools/list` and `tools/call` are answered
 * from here, so that a bad argument is our hinted tool error (not the SDK's wording), the listing
 * carries `ttlMs`/`cacheScope` and icons, and a call may run as a task.
 */
export class ToolTable {
  readonly #entries = new Map<string, ToolEntry>();
  readonly #onAdd: (() => void) | undefined;

  /** `onAdd`: told after a tool is added (a 1.x server sends `list_changed`: mcp-server.ts answers from the table). */
  constructor(options: { onAdd?: () => void } = {}) {
    this.#onAdd = options.onAdd;
  }

  /** The listing, in order. */
  list(): Tool[] {
    return [...this.#entries.values()].map((entry) => entry.tool);
  }

  /**
   * Runs a call for either SDK: an unknown tool is our hinted error; with `task` (and a tool whose
   * listing allows tasks) the answer is the created task and the call runs on, its result stored.
   */
  async call(
    name: string,
    args: Record<string, unknown>,
    request: ToolCallRequest,
  ): Promise<CallToolResult | { task: Task }> {
    const entry = this.#entries.get(name);
    if (!entry) {
      return errorResult(
        `unknown tool '${name}'. Hint: available tools: ${[...this.#entries.keys()].join(', ')}; call tools/list`,
      );
    }
    const { task, progressToken, sendNotification, heartbeatMs, signal: _signal, ...context } = request;
    if (task && entry.tool.execution?.taskSupport) {
      const { store, running } = task;
      const created = await store.createTask({ ...(task.ttl !== undefined ? { ttl: task.ttl } : {}) });
      const signal = running.track(created.taskId);
      const progress = progressOf(progressToken, sendNotification, heartbeatMs, (message) => {
        store.updateTaskStatus(created.taskId, 'working', message).catch(() => undefined);
      });
      // The answer is the task; the call runs on, its result kept for tasks/result.
      void entry
        .call(args, { ...context, signal, ...(progress ? { progress: progress.update } : {}) })
        .then(
          (result) => store.storeTaskResult(created.taskId, result.isError ? 'failed' : 'completed', result),
          // A run that threw (our bug, not a tool error) fails the task without a result.
          (error: unknown) =>
            store.updateTaskStatus(created.taskId, 'failed', error instanceof Error ? error.message : String(error)),
        )
        .catch(() => undefined) // cancelled meanwhile: the task is already terminal
        .finally(() => {
          progress?.stop();
          running.untrack(created.taskId);
        });
      return { task: created };
    }
    const progress = progressOf(progressToken, sendNotification, heartbeatMs);
    try {
      return await entry.call(args, {
        ...context,
        signal: request.signal,
        ...(progress ? { progress: progress.update } : {}),
      });
    } finally {
      progress?.stop();
    }
  }

  /** Adds a tool (names outside the spec's guidance or taken throw); tells a connected client. */
  add(entry: ToolEntry): void {
    const name = entry.tool.name;
    if (!TOOL_NAME.test(name)) throw new TypeError(`tool name '${name}' is outside the MCP naming guidance`);
    if (this.#entries.has(name)) throw new TypeError(`tool '${name}' is already registered`);
    this.#entries.set(name, entry);
    this.#onAdd?.();
  }

  get size(): number {
    return this.#entries.size;
  }
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Progress for a request with a progress token: increasing values only, and a heartbeat while
 * nothing else is reported (half-way to the next step, so the value still increases), which keeps
 * a client's request timeout from firing during a long model call (`resetTimeoutOnProgress`).
 */
function progressOf(
  token: string | number | undefined,
  sendNotification: (notification: ProgressNotification) => Promise<void>,
  heartbeatMs: number | undefined,
  onMessage?: (message: string) => void,
): { update: (update: ToolProgressUpdate) => void; stop: () => void } | undefined {
  if (token === undefined && !onMessage) return undefined;
  let last = -1;
  let total: number | undefined;
  const send = (update: ToolProgressUpdate) => {
    if (update.progress <= last) return;
    last = update.progress;
    if (update.total !== undefined) total = update.total;
    if (update.message) onMessage?.(update.message);
    if (token === undefined) return;
    sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, ...update, ...(total !== undefined ? { total } : {}) },
    }).catch(() => undefined);
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
