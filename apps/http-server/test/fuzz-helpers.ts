import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect } from 'vitest';
import { type GatewayOptions, startGateway, type TestGateway } from './helpers.js';

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
  expectMentions(`${body.error.param ?? ''} ${body.error.message}`, field);
}

function expectMentions(where: string, field: string | RegExp): void {
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

/**
 * Checks that an answer is a 4xx in the route's error shape and returns the text in which a refusal
 * names what was wrong. `openAIRefusal` by default; the Anthropic route passes its own.
 */
export type Refusal = (answer: Answer) => string;

/** OpenAI's shape: the field is named in `param` or in the message. */
export const openAIRefusal: Refusal = (answer) => {
  const body = expectOpenAIError(answer.status, answer.text);
  return `${body.error.param ?? ''} ${body.error.message}`;
};

/** No leak, and a 400 in the route's shape that names `field`. */
export function expectFieldRefused(answer: Answer, field: string, refusal: Refusal = openAIRefusal): void {
  expectNoLeak(answer.text);
  const where = refusal(answer);
  expect(answer.status, answer.text).toBe(400);
  expectMentions(where, field);
}

/** One route of the gateway, as a fuzz suite sees it. */
export interface FuzzRoute {
  readonly gateway: TestGateway;
  readonly url: string;
  /** Unhandled rejections and uncaught exceptions seen while the suite runs. */
  readonly problems: unknown[];
  /** A bounded POST of `body` to the route (`content-type: application/json` unless `headers` are given). */
  post(body: string, headers?: Record<string, string>): Promise<Answer>;
}

/**
 * The fuzz suites' one setup: a gateway started before the file's tests and closed after them, the
 * process watched for stray rejections meanwhile. `headers` go on every POST (under the call's own).
 */
export function useFuzzRoute(
  path: string,
  options: GatewayOptions & { headers?: Record<string, string> } = {},
): FuzzRoute {
  const watcher = watchProcess();
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    gateway = await startGateway(options);
  });
  afterAll(async () => {
    watcher.stop();
    await gateway?.close();
  });
  const started = (): TestGateway => {
    if (!gateway) throw new Error('useFuzzRoute: the gateway starts in beforeAll');
    return gateway;
  };
  return {
    get gateway() {
      return started();
    },
    get url() {
      return `${started().url}${path}`;
    },
    problems: watcher.problems,
    post(body, headers = { 'content-type': 'application/json' }) {
      return send(`${started().url}${path}`, { method: 'POST', headers: { ...options.headers, ...headers }, body });
    },
  };
}

/** Values of the wrong JSON type for almost any field. */
export const wrongJsonType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 2 }),
);

/**
 * Property: every valid body answers 200 without a leak; a streamed answer's text goes to `stream`,
 * a JSON answer must match `json` (`toMatchObject`).
 */
export function assertValidAnswered(
  route: Pick<FuzzRoute, 'post'>,
  validBody: fc.Arbitrary<{ stream?: boolean }>,
  expected: { stream: (text: string) => void; json: object },
  numRuns = FUZZ_RUNS,
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(validBody, async (body) => {
      const answer = await route.post(JSON.stringify(body));
      expectNoLeak(answer.text);
      expect(answer.status, answer.text.slice(0, 500)).toBe(200);
      if (body.stream) expected.stream(answer.text);
      else expect(JSON.parse(answer.text)).toMatchObject(expected.json);
    }),
    { numRuns },
  );
}

/** Property: a valid body with one field set to a value the schema refuses is a 400 naming that field. */
export function assertBrokenFieldNamed(
  route: Pick<FuzzRoute, 'post'>,
  validBody: fc.Arbitrary<object>,
  corruption: fc.Arbitrary<[string, unknown]>,
  { numRuns = FUZZ_RUNS, refusal = openAIRefusal }: { numRuns?: number; refusal?: Refusal } = {},
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(validBody, corruption, async (body, [field, value]) => {
      expectFieldRefused(await route.post(JSON.stringify({ ...body, [field]: value })), field, refusal);
    }),
    { numRuns },
  );
}

/**
 * Property: a huge or deeply nested body (`[field, body]`) is a 400 naming the field or a 413 naming
 * the body; with `mayPass`, a 200 too (what the route accepts within its limits).
 */
export function assertHugeRefused(
  route: Pick<FuzzRoute, 'post'>,
  shape: fc.Arbitrary<readonly [string, string]>,
  { numRuns, mayPass, refusal = openAIRefusal }: { numRuns: number; mayPass: boolean; refusal?: Refusal },
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(shape, async ([field, body]) => {
      const answer = await route.post(body);
      expectNoLeak(answer.text);
      if (mayPass && answer.status === 200) return;
      const where = refusal(answer);
      expect([400, 413], answer.text.slice(0, 300)).toContain(answer.status);
      expectMentions(where, answer.status === 413 ? 'body' : field);
    }),
    { numRuns },
  );
}
