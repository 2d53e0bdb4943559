// Cold start: process start → the opening answer over stdio (`initialize` for 2025-11-25,
// `server/discover` for 2026-07-28), exai-mcp vs a bare SDK server with one tool (SDK 1.x for 2025,
// SDK v2 for 2026), measured in the same run; and, since exai-mcp answers the opening before its
// engine has loaded, also process start → the first `tools/list` answer; then the per-call cost:
// 100 calls of a tool that does no work (exai-mcp: `version`, bare: `echo`), sent at once.
// Usage: node bench/mcp/run.mjs [runs=10] [cli=apps/mcp-server/dist/cli.js] (another build's cli, to compare)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = join(root, 'apps/mcp-server');
const runs = Number(process.argv[2] ?? 10);
const cli = resolve(process.argv[3] ?? join(appDir, 'dist/cli.js'));
const dataDir = mkdtempSync(join(tmpdir(), 'exai-bench-mcp-'));
const bare = join(appDir, `.bench-bare-${process.pid}.mjs`);
const bareModern = join(appDir, `.bench-bare2-${process.pid}.mjs`);
writeFileSync(
  bareModern,
  `import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
serveStdio(() => {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  return server;
});
`,
);
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
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
/** 2026-07-28: every request carries the envelope; the opening is `server/discover`. */
const modern = (id, method, params = {}) =>
  `${JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: ENVELOPE } })}\n`;
const ERAS = {
  '2025-11-25': {
    open: INIT,
    list: LIST,
    call: (id, name, args) =>
      `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })}\n`,
  },
  '2026-07-28': {
    open: modern(1, 'server/discover'),
    list: modern(2, 'tools/list'),
    call: (id, name, args) => modern(id, 'tools/call', { name, arguments: args }),
  },
};
const callsOf = (era, name, args) =>
  Array.from({ length: CALLS }, (_, index) => ERAS[era].call(3 + index, name, args)).join('');

/** Milliseconds from spawn to the opening answer and to the first `tools/list` answer, and per tool call. */
function once(args, era, calls) {
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
        child.stdin.write(ERAS[era].list);
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
    child.stdin.write(ERAS[era].open);
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pick = (list, key) => median(list.map((run) => run[key]));
const results = {};
try {
  for (let index = 0; index < runs; index += 1) {
    // Alternate the order of the eras and of bare vs exai-mcp (the machine is shared).
    const eras = index % 2 === 0 ? Object.keys(ERAS) : Object.keys(ERAS).reverse();
    for (const era of eras) {
      results[era] ??= { bare: [], exai: [] };
      const bareRun = () => once([era === '2025-11-25' ? bare : bareModern], era, callsOf(era, 'echo', { text: 'x' }));
      const exaiRun = () => once([cli], era, callsOf(era, 'version', {}));
      if (index % 2 === 0) {
        results[era].bare.push(await bareRun());
        results[era].exai.push(await exaiRun());
      } else {
        results[era].exai.push(await exaiRun());
        results[era].bare.push(await bareRun());
      }
    }
  }
} finally {
  rmSync(bare, { force: true });
  rmSync(bareModern, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
let worst = 0;
for (const [era, { bare: baseline, exai }] of Object.entries(results)) {
  const ratio = pick(exai, 'initialized') / pick(baseline, 'initialized');
  const listRatio = pick(exai, 'listed') / pick(baseline, 'listed');
  worst = Math.max(worst, ratio);
  console.log(
    `${era}: cold start to the opening answer (median of ${runs}): bare SDK server ${pick(baseline, 'initialized').toFixed(1)} ms, exai-mcp ${pick(exai, 'initialized').toFixed(1)} ms, ratio ${ratio.toFixed(2)}x (target < 1.5x)`,
  );
  console.log(
    `${era}: cold start to the first tools/list (median of ${runs}): bare SDK server ${pick(baseline, 'listed').toFixed(1)} ms, exai-mcp ${pick(exai, 'listed').toFixed(1)} ms, ratio ${listRatio.toFixed(2)}x (target <= 1.2x)`,
  );
  console.log(
    `${era}: per tool call (${CALLS} pipelined, median of ${runs}): bare SDK server ${pick(baseline, 'perCall').toFixed(2)} ms, exai-mcp ${pick(exai, 'perCall').toFixed(2)} ms`,
  );
}
process.exitCode = worst < 1.5 ? 0 : 1;
