import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnvironment } from './helpers.js';
import { startHttpProcess } from './http-process.js';

const run = promisify(execFile);
const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'conformance-expected-failures.json'), 'utf8')) as {
  suite: string;
  expectedFailures: Record<string, string>;
};

let env: Record<string, string>;
let cleanup: () => Promise<void>;
let server: Awaited<ReturnType<typeof startHttpProcess>>;
const output = mkdtempSync(join(tmpdir(), 'exai-conformance-'));

beforeAll(async () => {
  ({ env, cleanup } = await simulatorEnvironment());
  server = await startHttpProcess(env, ['--conformance']);
});
afterAll(async () => {
  await server?.stop();
  await cleanup();
  rmSync(output, { recursive: true, force: true });
});

/**
 * scenario → passed, from the suite's `checks.json` per scenario directory (`server-<scenario>-<timestamp>`):
 * every check SUCCESS or INFO (a WARNING counts as a failure).
 */
function results(): Map<string, boolean> {
  const map = new Map<string, boolean>();
  for (const entry of readdirSync(output)) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const checks = JSON.parse(readFileSync(join(output, entry, 'checks.json'), 'utf8')) as Array<{ status: string }>;
    map.set(
      scenario,
      checks.length > 0 && checks.every((check) => check.status === 'SUCCESS' || check.status === 'INFO'),
    );
  }
  return map;
}

/** Runs the suite (every default scenario, or the ones named) into `output`; exit code 1 only means a failure. */
async function suite(url: string, scenarios: string[] = []): Promise<void> {
  // The suite needs Node 22; npx fetches it from the npm registry.
  const named = scenarios.flatMap((scenario) => ['--scenario', scenario]);
  await run(
    'npx',
    ['-y', '-p', 'node@22', '-p', expected.suite, 'conformance', 'server', '--url', url, ...named, '-o', output],
    { timeout: 200_000, env: { ...process.env } },
  ).catch((error: { code?: number }) => {
    if (typeof error.code !== 'number') throw error;
  });
}

describe('official MCP conformance suite against exai-mcp --http', () => {
  it('passes every scenario except the listed expected failures', { timeout: 420_000 }, async () => {
    await suite(server.url);
    // Pending in the suite (not in its default run), but what resumable streams are for (SEP-1699).
    await suite(server.url, ['server-sse-polling']);
    const outcome = results();
    expect(outcome.size).toBeGreaterThanOrEqual(26);
    const unexpected = [...outcome]
      .filter(([scenario, passed]) => !passed && !(scenario in expected.expectedFailures))
      .map(([scenario]) => scenario);
    const nowPassing = Object.keys(expected.expectedFailures).filter((scenario) => outcome.get(scenario) === true);
    expect(unexpected, 'scenarios that failed but are not expected to').toEqual([]);
    expect(nowPassing, 'expected failures that now pass: remove them from the list').toEqual([]);
    for (const must of [
      'server-initialize',
      'tools-list',
      'tools-call-with-progress',
      'tools-call-with-logging',
      'tools-call-error',
      'dns-rebinding-protection',
      'prompts-list',
      'server-sse-polling',
      'server-sse-multiple-streams',
    ]) {
      expect(outcome.get(must), must).toBe(true);
    }
  });
});
