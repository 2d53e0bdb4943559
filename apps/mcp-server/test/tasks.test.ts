import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, type Simulator, simulatorEnvironment, type TextResult, textOf } from './helpers.js';

/**
 * The scenario scaled down first: a consensus whose slowest participant answers after ~6 s,
 * through a client whose request timeout is 2 s. Progress every 300 ms here
 * (`EXAI_MCP_PROGRESS_INTERVAL_MS`, default 15 s) keeps a client without tasks alive; a client with
 * tasks polls short requests instead. Then at full size (the last describe): 90 s against 60 s.
 */
const SLOW_MS = 6_000;
const CLIENT_TIMEOUT_MS = 2_000;

let sim: Simulator;
let env: Record<string, string>;
let dataDir: string;
let cleanup: () => Promise<void>;
let client: Client;

const participants = [{ model: 'minimax/MiniMax-M2' }, { model: 'glm/glm-4.6' }];
/** The consensus result's `responses` when both participants answered. */
const BOTH_ANSWERED = [
  { ok: true, model: 'MiniMax-M2' },
  { ok: true, model: 'glm-4.6' },
];

/** A plain consensus call that succeeded with both answers, later than `timeoutMs` (kept alive by progress). */
function expectAnsweredAfter(result: TextResult, elapsedMs: number, timeoutMs: number): void {
  expect(result.isError, textOf(result)).toBeFalsy();
  expect(elapsedMs).toBeGreaterThan(timeoutMs);
  expect(result.structuredContent).toMatchObject({ responses: BOTH_ANSWERED, partial: false });
}

/** An SDK client of exai-mcp over stdio, against this file's simulator. */
async function stdioClient(extra: Record<string, string>): Promise<Client> {
  const connected = new Client({ name: 'exai-tasks-test', version: '1.0.0' });
  await connected.connect(
    new StdioClientTransport({ command: process.execPath, args: [CLI], env: { ...env, ...extra } }),
  );
  await connected.listTools();
  return connected;
}

beforeAll(async () => {
  ({ sim, env, dataDir, cleanup } = await simulatorEnvironment());
  client = await stdioClient({ EXAI_MCP_PROGRESS_INTERVAL_MS: '300' });
});
afterEach(() => sim.reset());
afterAll(async () => {
  await client?.close();
  await cleanup();
});

/** Starts a consensus task on models scripted as `scenario`, cancels it, and checks each upstream call hung up. */
async function cancelAbortsUpstream(on: Client, scenario: string, timeout?: number): Promise<void> {
  sim.script('MiniMax-M2', scenario);
  sim.script('glm-4.6', scenario);
  const stream = on.experimental.tasks.callToolStream(
    { name: 'consensus', arguments: { prompt: 'Wait forever', models: participants, deadline_s: 150 } },
    CallToolResultSchema,
    { task: { ttl: 300_000 }, ...(timeout ? { timeout } : {}) },
  );
  const first = await stream.next();
  expect(first.value).toMatchObject({ type: 'taskCreated' });
  const taskId = (first.value as { task: { taskId: string } }).task.taskId;
  const upstream = () => sim.log.filter((attempt) => attempt.scenario === scenario);
  await vi.waitFor(() => expect(upstream()).toHaveLength(2), { timeout: 15_000 });
  await on.experimental.tasks.cancelTask(taskId);
  await vi.waitFor(() => expect(upstream().every((attempt) => attempt.clientHungUp)).toBe(true), {
    timeout: 10_000,
  });
  expect(await on.experimental.tasks.getTask(taskId)).toMatchObject({ status: 'cancelled' });
  await stream.return(undefined);
  const alive = (await on.callTool({ name: 'version', arguments: {} })) as TextResult;
  expect(alive.isError).toBeFalsy();
}

describe('long tools as tasks, and progress that outlives a client request timeout', () => {
  it('a client without tasks: a slow consensus completes past its request timeout, kept alive by progress', async () => {
    sim.script('MiniMax-M2', `slow-first-token?ms=${SLOW_MS}`);
    const progress: number[] = [];
    const started = Date.now();
    const result = (await client.callTool(
      { name: 'consensus', arguments: { prompt: 'Ship it?', models: participants, synthesize: false } },
      CallToolResultSchema,
      {
        timeout: CLIENT_TIMEOUT_MS,
        resetTimeoutOnProgress: true,
        onprogress: (update) => progress.push(update.progress),
      },
    )) as TextResult;
    expectAnsweredAfter(result, Date.now() - started, CLIENT_TIMEOUT_MS);
    expect(progress.length).toBeGreaterThan(3);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('a client with tasks: the consensus runs as a task, progress and status arrive, the result is retrieved', async () => {
    sim.script('MiniMax-M2', `slow-first-token?ms=${SLOW_MS}`);
    const seen: string[] = [];
    let final: TextResult | undefined;
    const stream = client.experimental.tasks.callToolStream(
      { name: 'consensus', arguments: { prompt: 'Ship it?', models: participants } },
      CallToolResultSchema,
      { timeout: CLIENT_TIMEOUT_MS, task: { ttl: 60_000 } },
    );
    for await (const message of stream) {
      seen.push(message.type);
      if (message.type === 'result') final = message.result as TextResult;
      if (message.type === 'error') throw message.error;
    }
    expect(seen[0]).toBe('taskCreated');
    expect(seen).toContain('taskStatus');
    expect(final?.isError, final && textOf(final)).toBeFalsy();
    expect(final?.structuredContent).toMatchObject({
      responses: [{ ok: true }, { ok: true }],
      synthesis: { content: expect.any(String) },
    });
    const { tasks } = await client.experimental.tasks.listTasks();
    expect(tasks.some((task) => task.status === 'completed')).toBe(true);
  });

  it('a task with bad arguments fails with our hint; unknown task ids are JSON-RPC errors, not crashes', async () => {
    let taskId = '';
    const seen: string[] = [];
    for await (const message of client.experimental.tasks.callToolStream(
      { name: 'consensus', arguments: { prompt: 42, deadline_s: 1 } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    )) {
      seen.push(message.type);
      if (message.type === 'taskCreated') taskId = message.task.taskId;
    }
    // The SDK's stream reports a failed task as an error; its result (our isError answer) is kept for tasks/result.
    expect(seen.at(-1)).toBe('error');
    const final = (await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)) as TextResult;
    expect(final.isError).toBe(true);
    expect(final && textOf(final)).toMatch(/^invalid arguments for consensus: prompt: .*deadline_s: .*Hint:/);
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({ status: 'failed' });
    for (const bogus of ['no-such-task', '', 'x'.repeat(5_000)]) {
      await expect(client.experimental.tasks.getTask(bogus)).rejects.toThrow(/not found/i);
      await expect(client.experimental.tasks.cancelTask(bogus)).rejects.toThrow(/not found/i);
    }
    expect(((await client.callTool({ name: 'version', arguments: {} })) as TextResult).isError).toBeFalsy();
  });

  it('cancelling a consensus task aborts every upstream call (the simulator sees each hang-up)', async () => {
    await cancelAbortsUpstream(client, 'no-response');
  });
});

/**
 * At full size: the slowest participant answers after 90 s, through a client with a 60 s request
 * timeout, with the default progress interval (15 s). ~95 s on one vitest lane; this file starts first
 * (vitest.sequencer.ts) so it runs beside the rest of CI. The engine's own deadlines are raised above
 * 90 s in a config file, as a deployment with a model this slow sets them (the defaults, 60 s per
 * non-streaming attempt and 120 s per request, would drop it: the engine's choice, not the client's).
 */
describe('a 90 s consensus through a client with a 60 s request timeout', () => {
  const LONG_SLOW_MS = 90_000;
  const LONG_TIMEOUT_MS = 60_000;
  let long: Client;
  beforeAll(async () => {
    const config = join(dataDir, 'slow-models.json');
    writeFileSync(config, JSON.stringify({ timeouts: { attemptMs: 150_000, requestMs: 150_000 } }));
    long = await stdioClient({ EXAI_CONFIG: config });
  });
  afterAll(async () => {
    await long?.close();
  });

  it('completes as a task, and as a plain call kept alive by progress (both at once)', {
    timeout: 180_000,
  }, async () => {
    sim.script('MiniMax-M2', `latency?ms=${LONG_SLOW_MS}`);
    const started = Date.now();
    const progress: number[] = [];
    const plain = long.callTool(
      {
        name: 'consensus',
        arguments: { prompt: 'Ship it?', models: participants, synthesize: false, deadline_s: 150 },
      },
      CallToolResultSchema,
      {
        timeout: LONG_TIMEOUT_MS,
        resetTimeoutOnProgress: true,
        onprogress: (update) => progress.push(update.progress),
      },
    ) as Promise<TextResult>;
    const asTask = (async () => {
      const seen: string[] = [];
      let final: TextResult | undefined;
      for await (const message of long.experimental.tasks.callToolStream(
        {
          name: 'consensus',
          // The synthesis on the fast model: on the slow one it would take another 90 s.
          arguments: { prompt: 'Ship it?', models: participants, deadline_s: 150, synthesize: 'glm/glm-4.6' },
        },
        CallToolResultSchema,
        { timeout: LONG_TIMEOUT_MS, task: { ttl: 300_000 } },
      )) {
        seen.push(message.type);
        if (message.type === 'result') final = message.result as TextResult;
        if (message.type === 'error') throw message.error;
      }
      return { seen, final, elapsed: Date.now() - started };
    })();
    const [answer, task] = await Promise.all([plain, asTask]);
    const plainElapsed = Date.now() - started;

    expectAnsweredAfter(answer, plainElapsed, LONG_SLOW_MS);
    // A heartbeat every 15 s: at least 5 in 90 s, each resetting the 60 s timeout.
    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(task.seen[0]).toBe('taskCreated');
    expect(task.final?.isError, task.final && textOf(task.final)).toBeFalsy();
    expect(task.elapsed).toBeGreaterThan(LONG_SLOW_MS);
    expect(task.final?.structuredContent).toMatchObject({
      responses: BOTH_ANSWERED,
      synthesis: { content: expect.any(String) },
    });
    // The slow model was called once per consensus and answered after its 90 s.
    const slow = sim.log.filter((attempt) => attempt.scenario === `latency?ms=${LONG_SLOW_MS}`);
    expect(slow).toHaveLength(2);
    expect(slow.every((attempt) => !attempt.clientHungUp)).toBe(true);
  });

  it('cancelling the slow consensus task aborts every upstream call (the simulator sees each hang-up)', async () => {
    await cancelAbortsUpstream(long, `latency?ms=${LONG_SLOW_MS}`, LONG_TIMEOUT_MS);
  });
});
