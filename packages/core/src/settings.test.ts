import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import {
  formatSettingsIssue,
  parseSettings,
  settingDoc,
  settingNames,
  settingsSchema,
  settingsTable,
} from './settings.js';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

describe('parseSettings', () => {
  it('gives every default for an empty environment', () => {
    const { settings, issues } = parseSettings({});
    expect(issues).toEqual([]);
    expect(settings).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      EXAI_MAX_BODY_BYTES: 10 * 1024 * 1024,
      EXAI_API_KEYS: [],
      EXAI_ALLOW_NO_AUTH: false,
      EXAI_MCP_MAX_SESSIONS: 1000,
    });
    expect(settings.EXAI_REQUEST_TIMEOUT_MS).toBeUndefined();
    expect(settings.EXAI_ALLOWED_ROOTS).toBeUndefined();
  });

  it('reads lists, flags, integers and enums, trimmed', () => {
    const { settings, issues } = parseSettings({
      EXAI_API_KEYS: ' a, b ,,c ',
      EXAI_LOOPBACK_ADMIN: 'true',
      EXAI_REQUEST_TIMEOUT_MS: ' 5000 ',
      EXAI_LOG_LEVEL: 'warn',
      EXAI_ALLOW_NO_AUTH: '0',
    });
    expect(issues).toEqual([]);
    expect(settings).toMatchObject({
      EXAI_API_KEYS: ['a', 'b', 'c'],
      EXAI_LOOPBACK_ADMIN: true,
      EXAI_REQUEST_TIMEOUT_MS: 5000,
      EXAI_LOG_LEVEL: 'warn',
      EXAI_ALLOW_NO_AUTH: false,
    });
  });

  it('names every bad variable, and a bad one takes its default', () => {
    const { settings, issues } = parseSettings({
      EXAI_REQUEST_TIMEOUT_MS: 'abc',
      EXAI_MAX_BODY_BYTES: '-5',
      EXAI_ALLOW_NO_AUTH: 'yes',
      EXAI_LOG_LEVEL: 'loud',
      PORT: '70000',
      EXAI_MCP_SESSION_IDLE_MS: '0',
    });
    expect(issues.map(formatSettingsIssue)).toEqual(
      expect.arrayContaining([
        "EXAI_REQUEST_TIMEOUT_MS: expected a positive integer, got 'abc'",
        "EXAI_MAX_BODY_BYTES: expected a non-negative integer, got '-5'",
        "EXAI_ALLOW_NO_AUTH: expected 1, true, 0 or false, got 'yes'",
        expect.stringMatching(/^EXAI_LOG_LEVEL: expected one of fatal, .*, got 'loud'$/),
        "PORT: expected an integer from 0 to 65535, got '70000'",
        "EXAI_MCP_SESSION_IDLE_MS: expected a positive integer, got '0'",
      ]),
    );
    expect(issues).toHaveLength(6);
    expect(settings).toMatchObject({ EXAI_MAX_BODY_BYTES: 10 * 1024 * 1024, EXAI_ALLOW_NO_AUTH: false, PORT: 8080 });
  });

  it('checks across variables, the zod schema too', () => {
    expect(
      parseSettings({ EXAI_HEADERS_TIMEOUT_MS: '9000', EXAI_REQUEST_RECEIVE_TIMEOUT_MS: '5000' }).issues.map(
        formatSettingsIssue,
      ),
    ).toEqual(['EXAI_HEADERS_TIMEOUT_MS: must not exceed EXAI_REQUEST_RECEIVE_TIMEOUT_MS (5000), got 9000']);
    const parsed = settingsSchema.safeParse({ EXAI_HEADERS_TIMEOUT_MS: '0' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['EXAI_HEADERS_TIMEOUT_MS']);
  });

  it('reads the OTLP exporter variables: protocols, decoded headers; grpc and bad headers refused by name', () => {
    const { settings, issues } = parseSettings({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: ' Authorization = Bearer%20s3cret , x-tenant=a%2Cb,',
    });
    expect(issues).toEqual([]);
    expect(settings.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/json');
    expect(settings.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL).toBeUndefined();
    expect(settings.OTEL_EXPORTER_OTLP_HEADERS).toEqual({ authorization: 'Bearer s3cret', 'x-tenant': 'a,b' });
    expect(parseSettings({}).settings.OTEL_EXPORTER_OTLP_HEADERS).toEqual({});
    const refused = parseSettings({
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret,broken-s3cret',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-key=%E0%A4%A-s3cret',
    }).issues.map(formatSettingsIssue);
    expect(refused).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL: expected one of http/protobuf, http/json, got 'http'",
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: grpc is not supported: .*http\/protobuf/),
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not name=value/),
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_TRACES_HEADERS: entry 1 is not name=value/),
    ]);
    // A header value is a secret: no message shows any of it.
    for (const line of refused) expect(line).not.toMatch(/s3cret|Bearer/);
  });

  it('makes a bad engine override a ConfigError naming the variable and its field', () => {
    try {
      loadConfig({ env: { EXAI_REQUEST_TIMEOUT_MS: 'abc' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        { path: 'EXAI_REQUEST_TIMEOUT_MS (timeouts.requestMs)', message: "expected a positive integer, got 'abc'" },
      ]);
    }
    // Variables of the apps alone are theirs to refuse, not loadConfig's.
    expect(loadConfig({ env: { EXAI_RATE_LIMIT_RPM: 'many' } }).timeouts.requestMs).toBe(120_000);
  });
});

describe('the settings table', () => {
  it('documents every variable, with the apps that read it', () => {
    for (const name of settingNames) expect(settingDoc(name).apps.length, name).toBeGreaterThan(0);
  });

  it('is the one in the README (regenerate: node scripts/sync-settings-table.mjs)', () => {
    const readme = readFileSync(root('packages/core/README.md'), 'utf8');
    const table = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    expect(table).toBe(settingsTable());
  });

  it('agrees with .env.example: every variable listed, none unknown', () => {
    const example = readFileSync(root('.env.example'), 'utf8');
    const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    const composeOnly = new Set(['POSTGRES_PASSWORD', 'EXAI_PORT']);
    expect(listed.filter((name) => !composeOnly.has(name!)).sort()).toEqual([...settingNames].sort());
  });
});
