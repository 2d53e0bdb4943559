import { type Logger, type LoggerOptions, pino } from 'pino';
import { parseSettings } from './settings.js';

/**
 * A pino logger that never prints secrets: known key fields are redacted by path, and every
 * string that looks like a credential (bearer tokens, `sk-` keys, registered secret values)
 * is masked before it is written. Logs go to stderr by default, so stdio protocols stay clean.
 */

export type { Logger };

const knownSecrets = new Set<string>();

/**
 * Secrets shorter than this are never replaced in text: masking a 3-character key would turn
 * every occurrence of those three letters in every log line into noise (and reveal the key by
 * where the masks fall). Such keys are still redacted by field name.
 */
export const MIN_SECRET_LENGTH = 8;

/** Registers a value (such as an API key read from the environment) that must never be logged. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

const patterns: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi,
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\b(api[_-]?key|token|secret|password)=([^&\s"']{4,})/gi,
  // `scheme://user:password@host` → `scheme://user:***@host` (database and Redis URLs, proxies).
  /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@"']{0,256}:)([^\s/@"']{1,512})@/gi,
  // Credential headers written out as text: `Cookie: a=1; b=2`, `"x-api-key":"…"`.
  new RegExp(
    '\\b((?:x-api-key|api-key|set-cookie|cookie|proxy-authorization|authorization)"?\\s*[:=]\\s*"?)' +
      '(?!\\[redacted\\]|(?:Bearer|Basic) \\[redacted\\])([^"\\r\\n]+)',
    'gi',
  ),
];

/** Masks anything that looks like a credential in a string; `also` adds secrets of this call only. */
export function redactSecrets(text: string, also: ReadonlyArray<string | undefined> = []): string {
  let result = text;
  for (const secret of [...knownSecrets, ...also]) {
    if (secret && secret.length >= MIN_SECRET_LENGTH && result.includes(secret))
      result = result.split(secret).join('[redacted]');
  }
  result = result.replace(patterns[0]!, (_match, scheme: string) => `${scheme} [redacted]`);
  result = result.replace(patterns[1]!, 'sk-[redacted]');
  result = result.replace(patterns[2]!, (_match, name: string) => `${name}=[redacted]`);
  result = result.replace(patterns[3]!, (_match, prefix: string) => `${prefix}***@`);
  result = result.replace(patterns[4]!, (_match, prefix: string) => `${prefix}[redacted]`);
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

/** Field names whose values are credentials at any depth (compared in lower case). */
const secretFields = new Set([
  'apikey',
  'api_key',
  'api-key',
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'refresh_token',
  'password',
  'secret',
  'client_secret',
]);

const MAX_SCRUB_DEPTH = 8;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than anything the gateway logs on purpose: not walked, so not written either.
  if (depth > MAX_SCRUB_DEPTH) return '[nested too deep]';
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactSecrets(value.message),
      ...('code' in value ? { code: (value as { code: unknown }).code } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    result[key] = secretFields.has(key.toLowerCase()) && item != null ? '[redacted]' : scrub(item, depth + 1);
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
      level: options.level ?? parseSettings(process.env).settings.EXAI_LOG_LEVEL ?? 'info',
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
