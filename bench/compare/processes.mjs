// Child processes of the comparison: start one server per process (pinned to a core with taskset when
// it exists), wait until it accepts connections, read its peak RSS, and stop every one of them by pid.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const started = new Set();

export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins this process (every thread) to `cpu`; false when taskset is missing or refused. */
export function pinSelf(cpu) {
  if (!hasTaskset) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A free loopback port (closed again at once; the child binds it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `node <args>` as its own process, pinned to `cpu`, logging to `<logDir>/<name>.log`,
 * and resolves once `port` accepts connections. Rejects (after stopping it) if it exits or times out.
 */
export async function startNode({
  name,
  args,
  nodeOptions = [],
  env = {},
  cpu,
  port,
  logDir,
  cwd,
  timeoutMs = 30_000,
}) {
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const nodeArgs = [...nodeOptions, ...args];
  const [command, commandArgs] =
    hasTaskset && cpu !== undefined
      ? ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
  const child = spawn(command, commandArgs, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const handle = { name, child, pid: child.pid, port, logFile, exited: false, cpu };
  started.add(handle);
  child.once('exit', (code, signal) => {
    handle.exited = true;
    handle.exit = { code, signal };
    started.delete(handle);
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (handle.exited || Date.now() > deadline) {
      await stopProcess(handle);
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
      throw new Error(
        `${name} did not start (${handle.exited ? `exited ${JSON.stringify(handle.exit)}` : 'timed out'}); log ${logFile}:\n${tail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return handle;
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process has exited. */
export function stopProcess(handle, graceMs = 5_000) {
  if (handle.exited) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(handle.pid, 'SIGKILL');
      } catch {}
    }, graceMs);
    handle.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(handle.pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Stops every process this module started (each by its own pid). */
export async function stopAll(graceMs) {
  await Promise.all([...started].map((handle) => stopProcess(handle, graceMs)));
}

/** Last resort on exit: SIGKILL whatever is still running, synchronously. */
export function killAllSync() {
  for (const handle of started) {
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch {}
  }
}

function statusKb(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A process and its descendants (the workers of `exai-http --workers N`), from /proc's children lists. */
function processTree(pid) {
  const pids = [pid];
  for (let index = 0; index < pids.length; index++) {
    try {
      const children = readFileSync(`/proc/${pids[index]}/task/${pids[index]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    } catch {}
  }
  return pids;
}

const treeKb = (pids, field) => pids.reduce((sum, pid) => sum + (statusKb(pid, field) ?? 0), 0);

/**
 * Peak resident memory of one process and its children (summed) over one case: resets the kernel's
 * high-water marks (`echo 5 > /proc/PID/clear_refs`) and also samples VmRSS every 100 ms as a fallback.
 * For several processes the sum of their peaks is an upper bound of the peak of their sum.
 */
export function watchPeakRss(pid) {
  const pids = processTree(pid);
  let reset = false;
  try {
    for (const each of pids) writeFileSync(`/proc/${each}/clear_refs`, '5');
    reset = true;
  } catch {}
  let sampled = treeKb(pids, 'VmRSS');
  const timer = setInterval(() => {
    sampled = Math.max(sampled, treeKb(pids, 'VmRSS'));
  }, 100);
  return {
    /** Peak RSS in MiB since the watch began (lifetime peak if the reset was refused). */
    stop() {
      clearInterval(timer);
      const hwm = treeKb(pids, 'VmHWM');
      const peakKb = reset ? Math.max(hwm, sampled) : Math.max(sampled, treeKb(pids, 'VmRSS'));
      return { peakRssMiB: Math.round((peakKb / 1024) * 10) / 10, method: reset ? 'VmHWM' : 'VmRSS samples' };
    },
  };
}
