import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * A pino logger that never prints secrets: known key fields are redacted by path, and every
 * string that looks like a credential (bearer tokens, `sk-` keys, registered secret values)
 * is masked before it is written. Logs go to stderr by default, so stdio protocols stay clean.
 */

export type { Logger };

const knownSecrets = new Set<string>();

/** Registers a value (such as an API key read from the environment) that must never be logged. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

const patterns: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\b(api[_-]?key|token|secret|password)=([^&\s"']{4,})/gi,
];

/** Masks anything that looks like a credential in a string. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const secret of knownSecrets) {
    if (result.includes(secret)) result = result.split(secret).join('[redacted]');
  }
  result = result.replace(patterns[0]!, (_match, scheme: string) => `${scheme} [redacted]`);
  result = result.replace(patterns[1]!, 'sk-[redacted]');
  result = result.replace(patterns[2]!, (_match, name: string) => `${name}=[redacted]`);
  return result;
}

const redactPaths = [
  'apiKey',
  'api_key',
  'key',
  'token',
  'password',
  'secret',
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-api-key"]',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.password',
  '*.headers.authorization',
  '*.headers.Authorization',
];

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: redactSecrets(value.message), ...('code' in value ? { code: (value as { code: unknown }).code } : {}) };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = scrub(item, depth + 1);
  return result;
}

export interface CreateLoggerOptions {
  level?: LoggerOptions['level'];
  name?: string;
  /** Where to write; defaults to stderr (fd 2). */
  destination?: NodeJS.WritableStream | number;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination = options.destination ?? 2;
  return pino(
    {
      level: options.level ?? process.env.EXAI_LOG_LEVEL ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: redactPaths, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => scrub(arg)) as Parameters<typeof method>);
        },
      },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: false }) : destination,
  );
}
