import { redactSecrets } from './logger.js';
import { isSocketError } from './socket-guard.js';

export interface ProcessGuardOptions {
  /** Prefix of every line, e.g. `exai-http`. */
  name: string;
  /** Graceful stop (drain in-flight work, close stores); the process exits 1 once it settles. */
  drain: () => Promise<unknown>;
  /** Longest wait for `drain` before exiting anyway. Default 10000. */
  drainTimeoutMs?: number;
  /** Where lines go. Default stderr. */
  write?: (line: string) => void;
  /** Default `process.exit`. */
  exit?: (code: number) => void;
}

/** At most this many socket-error lines per minute; the rest are counted in the next line. */
const SOCKET_LINES_PER_MINUTE = 10;

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `(${code}) ` : ''}${error.stack ?? `${error.name}: ${error.message}`}`;
  }
  return String(error);
}

/**
 * The last-resort policy of a server process, for errors nothing else caught (`uncaughtException`,
 * `unhandledRejection`): the error is logged (secrets masked); a socket error (see `isSocketError`) is one
 * client's broken connection, so the process keeps serving; anything else is a bug whose state cannot be
 * trusted, so the process drains (as on SIGTERM) and exits 1. Returns a function that removes the handlers.
 */
export function installProcessGuard(options: ProcessGuardOptions): () => void {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let windowStart = 0;
  let linesInWindow = 0;
  let suppressed = 0;
  let fatal = false;

  const onError = (kind: 'uncaughtException' | 'unhandledRejection') => (error: unknown) => {
    if (isSocketError(error)) {
      const now = Date.now();
      if (now - windowStart >= 60_000) {
        windowStart = now;
        linesInWindow = 0;
      }
      if (linesInWindow >= SOCKET_LINES_PER_MINUTE) {
        suppressed++;
        return;
      }
      linesInWindow++;
      const more = suppressed > 0 ? ` (${suppressed} more not shown)` : '';
      suppressed = 0;
      const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      write(
        `${options.name}: ${kind}: socket error ${code}, still serving: ` +
          `${redactSecrets(error instanceof Error ? error.message : String(error))}${more}`,
      );
      return;
    }
    write(`${options.name}: ${kind}: ${redactSecrets(describe(error))}`);
    if (fatal) {
      write(`${options.name}: second fatal error while draining, exiting now`);
      exit(1);
      return;
    }
    fatal = true;
    write(`${options.name}: draining and exiting (exit code 1)`);
    const timer = setTimeout(() => exit(1), options.drainTimeoutMs ?? 10_000);
    timer.unref();
    options.drain().then(
      () => exit(1),
      (drainError: unknown) => {
        write(`${options.name}: drain failed: ${redactSecrets(describe(drainError))}`);
        exit(1);
      },
    );
  };
  const onException = onError('uncaughtException');
  const onRejection = onError('unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
