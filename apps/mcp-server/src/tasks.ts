import { randomUUID } from 'node:crypto';
import type { OwnerScope, Store } from '@exai/engine';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { Result, Task } from '@modelcontextprotocol/sdk/types.js';

/** How long a finished task's result stays retrievable when the client asks for no TTL. */
export const DEFAULT_TASK_TTL_MS = 15 * 60_000;
/** Longest TTL granted, whatever the client asks. */
const MAX_TASK_TTL_MS = 60 * 60_000;
/** How often a running task checks whether another instance cancelled it. */
const CANCEL_POLL_MS = 1_000;

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** Task ids in the store's responses table: a prefix of their own, never a Responses API id. */
const TASK_PREFIX = 'mcptask_';

interface StoredTask {
  task: Task;
  /** Epoch ms after which the task is gone (its TTL from creation). */
  expiresAt: number;
  result?: Result;
}

/**
 * Tasks kept in the gateway's store (the responses table: per owner, compare-and-set status moves),
 * so every instance on the same database answers `tasks/get`, `tasks/result` and `tasks/cancel` for
 * a task another instance runs. Every read and write is filtered by the tenant (`scope`): another
 * tenant's task id answers as an unknown one. `tasks/list` lists the tasks this instance created for
 * the tenant (the store lists responses by id only).
 */
export class StoredTaskStore implements TaskStore {
  readonly #store: () => Promise<Store>;
  readonly #scope: OwnerScope;
  readonly #created: string[] = [];

  constructor(store: () => Promise<Store>, scope: OwnerScope) {
    this.#store = store;
    this.#scope = scope;
  }

  async #read(taskId: string): Promise<StoredTask | undefined> {
    if (!taskId.startsWith(TASK_PREFIX)) return undefined;
    const record = await (await this.#store()).getResponse(this.#scope, taskId);
    const stored = record?.response as unknown as StoredTask | undefined;
    return stored && stored.expiresAt > Date.now() ? stored : undefined;
  }

  async #move(taskId: string, status: Task['status'], change: (stored: StoredTask) => StoredTask): Promise<void> {
    const stored = await this.#read(taskId);
    if (!stored) throw new Error(`Task with ID ${taskId} not found`);
    if (TERMINAL.has(stored.task.status))
      throw new Error(`Cannot move task ${taskId} from terminal status '${stored.task.status}' to '${status}'`);
    const next = change({ ...stored, task: { ...stored.task, status, lastUpdatedAt: new Date().toISOString() } });
    const moved = await (await this.#store()).transitionResponse(this.#scope, taskId, {
      from: ['working', 'input_required'],
      status,
      response: next as unknown as Record<string, never>,
    });
    if (!moved) throw new Error(`Cannot move task ${taskId} to '${status}': it finished or was cancelled meanwhile`);
  }

  async createTask(...[params]: Parameters<TaskStore['createTask']>): Promise<Task> {
    const taskId = `${TASK_PREFIX}${randomUUID()}`;
    const createdAt = new Date().toISOString();
    const ttl = params.ttl ?? DEFAULT_TASK_TTL_MS;
    const task: Task = {
      taskId,
      status: 'working',
      ttl,
      createdAt,
      lastUpdatedAt: createdAt,
      pollInterval: params.pollInterval ?? 1000,
    };
    const stored: StoredTask = { task, expiresAt: Date.now() + ttl };
    await (await this.#store()).putResponse(this.#scope, {
      id: taskId,
      response: stored as unknown as Record<string, never>,
      conversation: [],
      inputItems: [],
      status: 'working',
    });
    this.#created.push(taskId);
    if (this.#created.length > 1_000) this.#created.shift();
    return task;
  }

  async getTask(taskId: string): Promise<Task | null> {
    return (await this.#read(taskId))?.task ?? null;
  }

  async storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result): Promise<void> {
    await this.#move(taskId, status, (stored) => ({ ...stored, result }));
  }

  async getTaskResult(taskId: string): Promise<Result> {
    const stored = await this.#read(taskId);
    if (!stored) throw new Error(`Task with ID ${taskId} not found`);
    if (!stored.result) throw new Error(`Task ${taskId} has no result stored`);
    return stored.result;
  }

  async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string): Promise<void> {
    await this.#move(taskId, status, (stored) => ({
      ...stored,
      task: { ...stored.task, ...(statusMessage ? { statusMessage } : {}) },
    }));
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const start = cursor ? this.#created.indexOf(cursor) + 1 : 0;
    if (cursor && start === 0) throw new Error(`Invalid cursor: ${cursor}`);
    const page = this.#created.slice(start, start + 10);
    const tasks = (await Promise.all(page.map((id) => this.getTask(id)))).filter((task) => task !== null);
    return { tasks, ...(start + 10 < this.#created.length ? { nextCursor: page.at(-1) } : {}) };
  }
}

/**
 * A task store (the SDK's in-memory one, or `StoredTaskStore`) with a bounded TTL and one addition:
 * a task moved to `cancelled` aborts the signal its run was given, so the tool's upstream provider
 * calls hang up — whether the cancel reached this instance (the SDK's `tasks/cancel` handler) or
 * another one sharing the store (seen by polling the task's status while it runs).
 */
export class AbortingTaskStore implements TaskStore {
  readonly #inner: TaskStore;
  readonly #running = new Map<string, { controller: AbortController; timer: NodeJS.Timeout }>();

  constructor(inner: TaskStore = new InMemoryTaskStore()) {
    this.#inner = inner;
  }

  /** The signal of a task's run; aborted when the task is cancelled or the store closes. */
  track(taskId: string): AbortSignal {
    const controller = new AbortController();
    const timer = setInterval(() => {
      this.#inner
        .getTask(taskId)
        .then((task) => {
          if (task?.status === 'cancelled') controller.abort(new Error('task cancelled by the client'));
        })
        .catch(() => undefined);
    }, CANCEL_POLL_MS);
    timer.unref();
    this.#running.set(taskId, { controller, timer });
    return controller.signal;
  }

  untrack(taskId: string): void {
    clearInterval(this.#running.get(taskId)?.timer);
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
    if (status === 'cancelled') this.#running.get(taskId)?.controller.abort(new Error('task cancelled by the client'));
  }

  listTasks(...args: Parameters<TaskStore['listTasks']>): ReturnType<TaskStore['listTasks']> {
    return this.#inner.listTasks(...args);
  }

  /** Aborts every running task (the server closed); the SDK's in-memory store also drops its tasks. */
  close(): void {
    for (const { controller, timer } of this.#running.values()) {
      clearInterval(timer);
      controller.abort(new Error('server closed'));
    }
    this.#running.clear();
    if (this.#inner instanceof InMemoryTaskStore) this.#inner.cleanup();
  }
}

/**
 * The task stores of an HTTP server's tenants, one per tenant and kept in `store`: the servers of a
 * tenant's sessions and stateless requests share it, so a task outlives the request that created it.
 * `close` aborts the tasks this instance runs.
 */
export function tenantTasks(store: () => Promise<Store>): {
  of(scope: OwnerScope): AbortingTaskStore;
  close(): void;
} {
  const stores = new Map<string, AbortingTaskStore>();
  return {
    of(scope) {
      const key = `${scope.admin ? 'admin:' : ''}${scope.owner}`;
      let tasks = stores.get(key);
      if (!tasks) {
        tasks = new AbortingTaskStore(new StoredTaskStore(store, scope));
        stores.set(key, tasks);
      }
      return tasks;
    },
    close() {
      for (const tasks of stores.values()) tasks.close();
      stores.clear();
    },
  };
}
