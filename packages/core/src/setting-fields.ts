import { delimiter } from 'node:path';
import { z } from 'zod';

/** The builders of the settings table (settings.ts): each variable's zod type and its documentation entry. */

/** The program that reads a variable. */
export type SettingsApp = 'exai-http' | 'exai-mcp';

export interface SettingDoc {
  /** What the variable does. */
  description: string;
  /** The default as the docs show it; `''` when unset means "not set". */
  default: string;
  /** The programs that read it. */
  apps: readonly SettingsApp[];
  /** The config-file field the variable overrides (`timeouts.requestMs`), if any. */
  overrides?: string;
}

/** The documentation of every variable of {@link settingsSchema}, keyed by its schema. */
export const settingsDocs = z.registry<SettingDoc>();

export const both: readonly SettingsApp[] = ['exai-http', 'exai-mcp'];
export const httpOnly: readonly SettingsApp[] = ['exai-http'];
export const mcpOnly: readonly SettingsApp[] = ['exai-mcp'];

/** The raw value, trimmed; empty counts as unset. A new schema each call: the docs registry keys on it. */
export const raw = () =>
  z
    .string()
    .optional()
    .transform((value) => value?.trim() || undefined);

export const text = raw;

/** Comma-separated items, each trimmed; unset is an empty list. */
export const list = () =>
  raw().transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** `path.delimiter`-separated paths; unset stays `undefined` (each app has its own default). */
export const paths = () => raw().transform((value) => value?.split(delimiter).filter(Boolean));

/** `1`/`true` on, `0`/`false` or unset off; anything else is an error (a typo must not leave a guard off). */
export const flag = () =>
  raw().transform((value, context) => {
    if (value === undefined || value === '0' || value === 'false') return false;
    if (value === '1' || value === 'true') return true;
    context.addIssue({ code: 'custom', message: `expected 1, true, 0 or false, got '${value}'` });
    return z.NEVER;
  });

function integerOf(value: string, min: number, max: number, context: z.RefinementCtx): number {
  const parsed = Number(value);
  if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
  const expected =
    max < Number.MAX_SAFE_INTEGER
      ? `an integer from ${min} to ${max}`
      : min > 0
        ? 'a positive integer'
        : 'a non-negative integer';
  context.addIssue({ code: 'custom', message: `expected ${expected}, got '${value}'` });
  return z.NEVER;
}

/** An integer with a default (`min` 0 unless told). */
export const integer = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  raw().transform((value, context) => (value === undefined ? fallback : integerOf(value, min, max, context)));

/** An integer that overrides a config field: `undefined` when unset, so the file's value stays. */
export const override = (min: number) =>
  raw().transform((value, context) =>
    value === undefined ? undefined : integerOf(value, min, Number.MAX_SAFE_INTEGER, context),
  );

/** One of `values`; `undefined` when unset. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  raw().transform((value, context): T[number] | undefined => {
    if (value === undefined || (values as readonly string[]).includes(value)) return value as T[number] | undefined;
    context.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got '${value}'` });
    return z.NEVER;
  });

/** The OTLP protocols the apps export with (`OTEL_EXPORTER_OTLP_PROTOCOL`); `grpc` is refused by name. */
export const otlpProtocols = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof otlpProtocols)[number];

export const otlpProtocol = () =>
  raw().transform((value, context): OtlpProtocol | undefined => {
    if (value === undefined || (otlpProtocols as readonly string[]).includes(value)) {
      return value as OtlpProtocol | undefined;
    }
    const message =
      value === 'grpc'
        ? 'grpc is not supported: traces are exported over OTLP/HTTP; set http/protobuf (the default) or http/json'
        : `expected one of ${otlpProtocols.join(', ')}, got '${value}'`;
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/**
 * OTLP exporter headers, `key=value` pairs separated by commas, values percent-encoded (the OTel
 * spec's format). They often carry secrets: an error says which entry is wrong, never what it holds.
 */
export const otlpHeaders = () =>
  raw().transform((value, context) => {
    const headers: Record<string, string> = {};
    for (const [index, entry] of (value ?? '').split(',').entries()) {
      if (entry.trim() === '') continue;
      const equals = entry.indexOf('=');
      const name = equals > 0 ? entry.slice(0, equals).trim() : '';
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(entry.slice(equals + 1).trim());
      } catch {}
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || decoded === undefined || /[\r\n\0]/.test(decoded)) {
        context.addIssue({
          code: 'custom',
          message: `entry ${index + 1} is not name=value (a header name, then a percent-encoded value); not shown`,
        });
        return z.NEVER;
      }
      headers[name.toLowerCase()] = decoded;
    }
    return headers;
  });

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const toolProfiles = ['lean', 'standard', 'full'] as const;

export function doc<T extends z.ZodType>(schema: T, entry: SettingDoc): T {
  const registered: z.ZodType = schema;
  settingsDocs.add(registered, entry);
  return schema;
}
export const key = (description: string) => doc(text(), { description, default: '', apps: both });
