// Cold start: process start → `initialize` answer over stdio, exai-mcp vs a bare SDK server with
// one tool, measured in the same run. Usage: node bench/mcp/run.mjs [runs=10]
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

function once(args) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: appDir, env: { ...process.env, EXAI_DATA_DIR: dataDir, EXAI_LOG_LEVEL: 'error' }, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('"id":1')) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill();
        resolvePromise(ms);
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
    baseline.push(await once([bare]));
    exai.push(await once([join(appDir, 'dist/cli.js')]));
  }
} finally {
  rmSync(bare, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
const ratio = median(exai) / median(baseline);
console.log(`cold start to initialize (median of ${runs}): bare SDK server ${median(baseline).toFixed(1)} ms, exai-mcp ${median(exai).toFixed(1)} ms, ratio ${ratio.toFixed(2)}x (target < 1.5x)`);
process.exitCode = ratio < 1.5 ? 0 : 1;
