import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, spawnApp } from './helpers.js';

/**
 * The real Claude Code from npm against the built exai-http in first-run mode (no provider keys:
 * the built-in simulator answers). Claude Code needs Node 22, so it runs under `npx -p node@22`;
 * the first run downloads both into npm's cache (a minute or so), later runs take ~15 s each.
 */

const CLAUDE_CODE = '@anthropic-ai/claude-code@2.1.332';
const MCP_CLI = fileURLToPath(new URL('../../mcp-server/dist/cli.js', import.meta.url));
const run = promisify(execFile);

let app: AppProcess;
let home: string;

beforeAll(async () => {
  app = await spawnApp({ config: { logLevel: 'warn' } });
  home = mkdtempSync(join(tmpdir(), 'exai-claude-home-'));
});
afterAll(() => {
  app?.child.kill();
});

async function claude(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('npx', ['-y', '-p', 'node@22', '-p', CLAUDE_CODE, 'claude', ...args], {
    cwd: home,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      // npm's cache stays where it is (the download is shared between runs); only Claude Code's state is fresh.
      npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? tmpdir(), '.npm'),
      ANTHROPIC_BASE_URL: app.url,
      ANTHROPIC_AUTH_TOKEN: 'any-token-in-first-run-mode',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      ...env,
    },
  });
  return stdout;
}

interface ClaudeResult {
  type: string;
  is_error: boolean;
  result: string;
  modelUsage: Record<string, unknown>;
}

describe('Claude Code against exai-http', () => {
  it('answers `claude -p` with its own model names (no --model): the default modelMap routes them', {
    timeout: 300_000,
  }, async () => {
    const result = JSON.parse(await claude(['-p', 'Say hello', '--output-format', 'json'])) as ClaudeResult;
    expect(result).toMatchObject({ type: 'result', is_error: false });
    expect(result.result).toMatch(/^Simulated answer to:/);
    expect(Object.keys(result.modelUsage).some((model) => model.startsWith('claude-'))).toBe(true);
  });

  it('answers `claude -p --model glm`', { timeout: 300_000 }, async () => {
    const result = JSON.parse(
      await claude(['-p', 'Say hello', '--model', 'glm', '--output-format', 'json']),
    ) as ClaudeResult;
    expect(result).toMatchObject({ type: 'result', is_error: false });
    expect(result.result).toMatch(/^Simulated answer to:/);
    expect(Object.keys(result.modelUsage)).toContain('glm');
  });

  it('reports exai-mcp connected after `claude mcp add`, and connected at start-up with --mcp-config', {
    timeout: 300_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'exai-claude-mcp-'));
    await claude(['mcp', 'add', 'exai', '-e', `EXAI_DATA_DIR=${dataDir}`, '--', process.execPath, MCP_CLI]);
    expect(await claude(['mcp', 'list'])).toMatch(/exai: .*Connected/);
    const file = join(dataDir, 'mcp.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: { gateway: { command: process.execPath, args: [MCP_CLI], env: { EXAI_DATA_DIR: dataDir } } },
      }),
    );
    const lines = (
      await claude(['-p', 'Say hello', '--mcp-config', file, '--output-format', 'stream-json', '--verbose'])
    )
      .trim()
      .split('\n');
    const events = lines.map(
      (line) =>
        JSON.parse(line) as { type: string; subtype?: string; mcp_servers?: Array<{ name: string; status: string }> },
    );
    expect(events.find((event) => event.type === 'system' && event.subtype === 'init')?.mcp_servers).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'gateway', status: 'connected' })]),
    );
    expect(events.at(-1)).toMatchObject({ type: 'result', is_error: false });
  });
});
