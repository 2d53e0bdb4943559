// Cold start: process start → `initialize` answer over stdio, exai-mcp vs a bare SDK server with
// one tool, measured in the same run; and, since exai-mcp answers `initialize` before its engine has
// loaded, also process start → the first `tools/list` answer; then the per-call cost: 100 calls of a
// tool that does no work (exai-mcp: `version`, bare: `echo`), sent at once, first to last answer.
// Usage: node bench/mcp/run.mjs [runs=10]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = join(root, 'apps/mcp-server');
const runs = Number(process.argv[2] ?? 10);
const dataDir = mkdtempSync(join(tmpdir(), 'exai-bench-mcp-'));
const bare = join(appDir, `.bench-bare-${process.pid}.mjs`);
writeFileSync(
  bare,
  `import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
const server = new McpServer({ name: 'bare', version: '1.0.0' });
server.registerTool('echo', { description: 'Echo', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
await server.connect(new StdioServerTransport());
`,
);

const INIT = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`;
const LIST = `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`;

const CALLS = 100;
const callsOf = (name, args) =>
  Array.from(
    { length: CALLS },
    (_, index) =>
      `${JSON.stringify({ jsonrpc: '2.0', id: 3 + index, method: 'tools/call', params: { name, arguments: args } })}\n`,
  ).join('');

/** Milliseconds from spawn to the `initialize` answer and to the first `tools/list` answer, and per tool call. */
function once(args, calls) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      cwd: appDir,
      env: { ...process.env, EXAI_DATA_DIR: dataDir, EXAI_LOG_LEVEL: 'error' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    let initialized;
    let listed;
    let callsFrom;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (initialized === undefined && out.includes('"id":1')) {
        initialized = Number(process.hrtime.bigint() - started) / 1e6;
        child.stdin.write(LIST);
      }
      if (initialized !== undefined && listed === undefined && out.includes('"id":2')) {
        listed = Number(process.hrtime.bigint() - started) / 1e6;
        callsFrom = process.hrtime.bigint();
        child.stdin.write(calls);
      }
      if (listed !== undefined && out.includes(`"id":${2 + CALLS}}`)) {
        const perCall = Number(process.hrtime.bigint() - callsFrom) / 1e6 / CALLS;
        child.kill();
        resolvePromise({ initialized, listed, perCall });
      }
    });
    child.on('error', reject);
    child.stdin.write(INIT);
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const exai = [];
const baseline = [];
try {
  for (let index = 0; index < runs; index += 1) {
    baseline.push(await once([bare], callsOf('echo', { text: 'x' })));
    exai.push(await once([join(appDir, 'dist/cli.js')], callsOf('version', {})));
  }
} finally {
  rmSync(bare, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
const pick = (list, key) => median(list.map((run) => run[key]));
const ratio = pick(exai, 'initialized') / pick(baseline, 'initialized');
console.log(
  `cold start to initialize (median of ${runs}): bare SDK server ${pick(baseline, 'initialized').toFixed(1)} ms, exai-mcp ${pick(exai, 'initialized').toFixed(1)} ms, ratio ${ratio.toFixed(2)}x (target < 1.5x)`,
);
const listRatio = pick(exai, 'listed') / pick(baseline, 'listed');
console.log(
  `cold start to the first tools/list (median of ${runs}): bare SDK server ${pick(baseline, 'listed').toFixed(1)} ms, exai-mcp ${pick(exai, 'listed').toFixed(1)} ms, ratio ${listRatio.toFixed(2)}x`,
);
console.log(
  `per tool call (${CALLS} pipelined, median of ${runs}): bare SDK server ${pick(baseline, 'perCall').toFixed(2)} ms, exai-mcp ${pick(exai, 'perCall').toFixed(2)} ms`,
);
process.exitCode = ratio < 1.5 ? 0 : 1;
