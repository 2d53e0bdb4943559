import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// A real process with the guard installed (from the built package): uncaught errors are thrown on its event
// loop, and the test watches whether it keeps serving HTTP or drains and exits.

const core = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const script = `
import { createServer } from 'node:http';
import { installProcessGuard } from ${JSON.stringify(core)};
const server = createServer((request, response) => response.end('ok'));
installProcessGuard({
  name: 'guard-test',
  drain: async () => {
    process.stderr.write('draining\\n');
    await new Promise((resolve) => server.close(resolve));
    process.stderr.write('drained\\n');
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('data', (data) => {
  const command = String(data).trim();
  const coded = (code, message) => Object.assign(new Error(message), { code });
  if (command === 'reset') setImmediate(() => { throw coded('ECONNRESET', 'read ECONNRESET'); });
  if (command === 'pipe') Promise.reject(coded('EPIPE', 'write EPIPE'));
  if (command === 'bug')
    setImmediate(() => {
      throw new TypeError('state is broken for key sk-guardtestsecret123456');
    });
});
`;

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

async function start(): Promise<{ port: number; stderr: () => string; exit: Promise<number | null> }> {
  child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const [data] = await once(child.stdout!, 'data');
  return { port: Number(String(data).trim()), stderr: () => stderr, exit };
}

const send = (command: string) => child?.stdin?.write(`${command}\n`);

describe('installProcessGuard', () => {
  it('keeps serving after an uncaught socket error and an unhandled socket rejection', async () => {
    const { port, stderr } = await start();
    send('reset');
    await expect.poll(stderr).toMatch(/guard-test: uncaughtException: socket error ECONNRESET, still serving/);
    send('pipe');
    await expect.poll(stderr).toMatch(/guard-test: unhandledRejection: socket error EPIPE, still serving/);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    expect(child?.exitCode).toBeNull();
  });

  it('drains and exits 1 on any other error, logging it without secrets', async () => {
    const { stderr, exit } = await start();
    send('bug');
    expect(await exit).toBe(1);
    expect(stderr()).toMatch(/guard-test: uncaughtException: TypeError: state is broken/);
    expect(stderr()).toMatch(/draining\ndrained\n/);
    expect(stderr()).not.toContain('sk-guardtestsecret123456');
  });
});
