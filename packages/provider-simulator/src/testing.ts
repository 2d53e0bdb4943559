/**
 * Test helpers for packages that test against the simulator (`@exai/provider-simulator/test`): one
 * simulator per test file, reset before each test, and the small readers every adapter test needs.
 * Uses vitest's lifecycle hooks (an optional peer dependency, like vercel/ai's test server).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSimulator } from './server.js';
import type { Simulator } from './types.js';

/** Starts one simulator for the file, resets it before each test, closes it at the end. */
export function useSimulator(): { readonly sim: Simulator } {
  const holder: { sim?: Simulator } = {};
  beforeAll(async () => {
    holder.sim = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await holder.sim?.close();
  });
  beforeEach(() => holder.sim?.reset());
  return {
    get sim() {
      if (!holder.sim) throw new Error('useSimulator: the simulator starts in beforeAll');
      return holder.sim;
    },
  };
}

/** Request bodies the simulator received on chat completions, in order. */
export function chatRequestBodies(sim: Simulator): Record<string, unknown>[] {
  return sim.log
    .filter((attempt) => attempt.path.endsWith('/chat/completions'))
    .map((attempt) => attempt.body as Record<string, unknown>);
}

/** The error a call rejects with (anything but a rejection fails the test). */
export async function rejectionOf<E = unknown>(
  run: () => Promise<unknown>,
  isError: (error: unknown) => error is E,
): Promise<E> {
  try {
    await run();
  } catch (error) {
    if (isError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Every item of a stream, in order. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** Waits until the simulator has finished (or seen the hang-up of) every logged request. */
export async function settled(sim: Simulator, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sim.log.some((attempt) => attempt.durationMs === null) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `run` with the variables set in `process.env`, restoring what was there before. */
export async function withEnv<T>(variables: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return await run();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
