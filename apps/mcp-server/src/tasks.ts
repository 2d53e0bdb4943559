import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';

/** How long a finished task's result stays retrievable when the client asks for no TTL. */
export const DEFAULT_TASK_TTL_MS = 15 * 60_000;
/** Longest TTL granted, whatever the client asks. */
const MAX_TASK_TTL_MS = 60 * 60_000;

/**
 * The SDK's in-memory task store (2025-11-25 experimental tasks), with a bounded TTL and one
 * addition: a task moved to `cancelled` (the SDK's `tasks/cancel` handler does that) aborts the
 * signal its run was given, so the tool's upstream provider calls hang up. One store per MCP
 * server: on HTTP that is one session, so a task is seen only by the session (and tenant) that
 * created it.
 */
export class AbortingTaskStore implements TaskStore {
  readonly #inner = new InMemoryTaskStore();
  readonly #running = new Map<string, AbortController>();

  /** The signal of a task's run; aborted when the task is cancelled or the store closes. */
  track(taskId: string): AbortSignal {
    const controller = new AbortController();
    this.#running.set(taskId, controller);
    return controller.signal;
  }

  untrack(taskId: string): void {
    this.#running.delete(taskId);
  }

  /** Tasks still running. */
  get running(): number {
    return this.#running.size;
  }

  createTask(...args: Parameters<TaskStore['createTask']>): ReturnType<TaskStore['createTask']> {
    const [params, ...rest] = args;
    const ttl = Math.min(params.ttl ?? DEFAULT_TASK_TTL_MS, MAX_TASK_TTL_MS);
    return this.#inner.createTask({ ...params, ttl }, ...rest);
  }

  getTask(...args: Parameters<TaskStore['getTask']>): ReturnType<TaskStore['getTask']> {
    return this.#inner.getTask(...args);
  }

  storeTaskResult(...args: Parameters<TaskStore['storeTaskResult']>): ReturnType<TaskStore['storeTaskResult']> {
    return this.#inner.storeTaskResult(...args);
  }

  getTaskResult(...args: Parameters<TaskStore['getTaskResult']>): ReturnType<TaskStore['getTaskResult']> {
    return this.#inner.getTaskResult(...args);
  }

  async updateTaskStatus(...args: Parameters<TaskStore['updateTaskStatus']>): Promise<void> {
    await this.#inner.updateTaskStatus(...args);
    const [taskId, status] = args;
    if (status === 'cancelled') this.#running.get(taskId)?.abort(new Error('task cancelled by the client'));
  }

  listTasks(...args: Parameters<TaskStore['listTasks']>): ReturnType<TaskStore['listTasks']> {
    return this.#inner.listTasks(...args);
  }

  /** Aborts every running task and drops every stored one (the server closed). */
  close(): void {
    for (const controller of this.#running.values()) controller.abort(new Error('server closed'));
    this.#running.clear();
    this.#inner.cleanup();
  }
}
