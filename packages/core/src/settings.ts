import { z } from 'zod';
import { type SettingDoc, type SettingsApp, settingsDocs } from './setting-fields.js';

export {
  logLevels,
  type OtlpProtocol,
  otlpProtocols,
  type SettingDoc,
  type SettingsApp,
  settingsDocs,
  toolProfiles,
} from './setting-fields.js';
export { type TracingSettings, tracesUrl, tracingSettingsOf } from './tracing-settings.js';

import { gatewaySettings } from './settings-gateway.js';
import { listenerSettings } from './settings-listeners.js';

/**
 * Every environment variable of both apps (exai-http, exai-mcp) in one zod schema: its type, default and
 * description. Keys are the variable names, so an error names the variable. `loadConfig` applies the
 * config overrides from here; each app reads its own slice (`readSettings` in exai-http, the MCP CLI).
 * The table in this package's README is generated from {@link settingsDocs} (`settingsTable()`), in this order:
 * who may connect (settings-listeners.ts), then what the gateway does with a call (settings-gateway.ts).
 */
const shape = { ...listenerSettings, ...gatewaySettings };

const fields = z.object(shape);
type Fields = z.output<typeof fields>;

/** Checks across variables: each adds an issue naming the variable to change. */
function crossCheck(settings: Fields, issues: SettingsIssue[]): void {
  if (settings.EXAI_HEADERS_TIMEOUT_MS === 0) {
    issues.push({
      variable: 'EXAI_HEADERS_TIMEOUT_MS',
      message: '0 would let a client hold a connection forever without sending a request',
    });
  }
  const receive = settings.EXAI_REQUEST_RECEIVE_TIMEOUT_MS;
  if (receive > 0 && settings.EXAI_HEADERS_TIMEOUT_MS > receive) {
    issues.push({
      variable: 'EXAI_HEADERS_TIMEOUT_MS',
      message: `must not exceed EXAI_REQUEST_RECEIVE_TIMEOUT_MS (${receive}), got ${settings.EXAI_HEADERS_TIMEOUT_MS}`,
    });
  }
}

/** Every environment variable of both apps. Parse with {@link parseSettings}, which names each bad variable. */
export const settingsSchema = fields.superRefine((settings, context) => {
  const issues: SettingsIssue[] = [];
  crossCheck(settings, issues);
  for (const issue of issues) context.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
});

export type Settings = Fields;
export type SettingName = keyof typeof shape;
export const settingNames = Object.keys(shape) as SettingName[];

export interface SettingsIssue {
  /** The variable's name. */
  variable: SettingName;
  message: string;
}

/**
 * Reads every variable. `issues` names each bad one (`EXAI_REQUEST_TIMEOUT_MS: expected a positive integer,
 * got 'abc'`); `settings` is always complete, a bad variable taking its default, so a caller that must
 * refuse to start does so on `issues.length > 0`.
 */
export function parseSettings(env: Record<string, string | undefined>): {
  settings: Settings;
  issues: SettingsIssue[];
} {
  const values: Record<string, string | undefined> = {};
  for (const name of settingNames) values[name] = env[name];
  const parsed = fields.safeParse(values);
  const issues: SettingsIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: issue.path[0] as SettingName, message: issue.message }));
  // A bad variable takes its default (each field's default is valid on its own).
  for (const issue of issues) values[issue.variable] = undefined;
  const settings = parsed.success ? parsed.data : fields.parse(values);
  crossCheck(settings, issues);
  return { settings, issues };
}

/** The documentation of one variable. */
export function settingDoc(name: SettingName): SettingDoc {
  const entry = settingsDocs.get(shape[name]);
  if (!entry) throw new Error(`${name} has no documentation`);
  return entry;
}

/** The issues of the variables `app` reads. */
export const issuesOf = (issues: readonly SettingsIssue[], app: SettingsApp): SettingsIssue[] =>
  issues.filter((issue) => settingDoc(issue.variable).apps.includes(app));

/** `NAME: message`, one line per issue. */
export const formatSettingsIssue = (issue: SettingsIssue): string => `${issue.variable}: ${issue.message}`;

/** The markdown table of every variable (the README's, kept in step by a test). */
export function settingsTable(): string {
  const rows = settingNames.map((name) => {
    const entry = settingDoc(name);
    const overrides = entry.overrides ? ` (overrides \`${entry.overrides}\`)` : '';
    return (
      `| \`${name}\` | ${entry.default ? `\`${entry.default}\`` : '—'} | ${entry.apps.join(', ')} | ` +
      `${entry.description}${overrides} |`
    );
  });
  return ['| variable | default | read by | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
