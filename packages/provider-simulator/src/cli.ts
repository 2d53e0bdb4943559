#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startSimulator } from './server.js';

const usage = 'Usage: exai-sim [--port 8787] [--host 127.0.0.1]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', short: 'p' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`Invalid --port ${values.port}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const simulator = await startSimulator({ port, host: values.host ?? '127.0.0.1' });
  process.stdout.write(`${simulator.url}\n`);
  const stop = (): void => {
    simulator.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`exai-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
