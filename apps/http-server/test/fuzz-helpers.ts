import { resolve } from 'node:path';
import { expect } from 'vitest';

/**
 * Shared checks of the fuzz suites: every answer is bounded in time, never a 5xx, never a stack
 * trace or a source path, and every rejection is OpenAI's error shape naming what was wrong.
 */

/** Runs per property; CI keeps the default, a long local run sets `EXAI_FUZZ_RUNS=100000`. */
export const FUZZ_RUNS = Number(process.env.EXAI_FUZZ_RUNS ?? 1_000);

/** Per-test timeout: generous per run, so a long local run (`EXAI_FUZZ_RUNS=10000`) is not cut short. */
export const FUZZ_TEST_TIMEOUT_MS = Math.max(120_000, FUZZ_RUNS * 60);

/** Upper bound of one request; a hang fails the property with the input that hung. */
export const REQUEST_TIMEOUT_MS = 5_000;

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** `at fn (file:line:col)` frames, absolute source paths, internal module names. */
export function expectNoLeak(text: string): void {
  expect(text, 'a stack frame leaked').not.toMatch(/\bat [^\n]*\(?[^\s()]+:\d+:\d+\)?/);
  expect(text, 'a source path leaked').not.toContain(REPO_ROOT);
  expect(text, 'a file URL leaked').not.toMatch(/file:\/\/\//);
  expect(text, 'an internal module leaked').not.toMatch(/node:internal|node_modules\//);
}

export interface OpenAIErrorShape {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** A 4xx body in OpenAI's shape; returns it for further checks. */
export function expectOpenAIError(status: number, text: string): OpenAIErrorShape {
  expect(status, `unexpected status ${status}: ${text.slice(0, 500)}`).toBeGreaterThanOrEqual(400);
  expect(status, `server error ${status}: ${text.slice(0, 500)}`).toBeLessThan(500);
  let body: OpenAIErrorShape;
  try {
    body = JSON.parse(text) as OpenAIErrorShape;
  } catch {
    throw new Error(`error body is not JSON (${status}): ${text.slice(0, 500)}`);
  }
  expect(body.error, `no error object: ${text.slice(0, 500)}`).toBeTypeOf('object');
  expect(body.error.message).toBeTypeOf('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.type).toBeTypeOf('string');
  expect(['string', 'object']).toContain(typeof body.error.code);
  return body;
}

/** The rejection names `field` in `param` or in the message. */
export function expectNames(body: OpenAIErrorShape, field: string | RegExp): void {
  const where = `${body.error.param ?? ''} ${body.error.message}`;
  if (typeof field === 'string') expect(where, `the error does not name '${field}'`).toContain(field);
  else expect(where, `the error does not name ${field}`).toMatch(field);
}

export interface Answer {
  status: number;
  text: string;
  contentType: string;
}

/** A fetch bounded by REQUEST_TIMEOUT_MS whose body is read in full. */
export async function send(url: string, init: RequestInit): Promise<Answer> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(url, { ...init, signal });
    const text = await response.text();
    return { status: response.status, text, contentType: response.headers.get('content-type') ?? '' };
  } catch (error) {
    if (signal.aborted)
      throw new Error(
        `request hung for ${REQUEST_TIMEOUT_MS} ms: ${init.method ?? 'GET'} ${url} ${String(init.body ?? '').slice(0, 300)}`,
      );
    throw error;
  }
}

/** Collects unhandled rejections and uncaught exceptions while a suite runs. */
export function watchProcess(): { problems: unknown[]; stop: () => void } {
  const problems: unknown[] = [];
  const onProblem = (error: unknown) => problems.push(error);
  process.on('unhandledRejection', onProblem);
  process.on('uncaughtException', onProblem);
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onProblem);
      process.off('uncaughtException', onProblem);
    },
  };
}
