import type { OtlpProtocol, SettingsApp } from './setting-fields.js';
import type { Settings } from './settings.js';

/** Where and how the apps export traces (read by {@link tracingSettingsOf}, used by `@exai/otel`). */
export interface TracingSettings {
  /** Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
  url: string;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`: the exporter loaded. Default `http/protobuf`. */
  protocol: OtlpProtocol;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`, sent with every export. Secrets: never logged. */
  headers: Record<string, string>;
  /** `OTEL_SERVICE_NAME`; the program's name by default. */
  serviceName: string;
}

/** `OTEL_EXPORTER_OTLP_ENDPOINT` is a base URL: the signal's path is appended (the OTLP exporter spec). */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Tracing from the standard OTLP exporter variables, the traces-specific ones winning: on (defined) when
 * either endpoint is set; `http/protobuf` unless told (the spec's default); headers merged name by name.
 */
export function tracingSettingsOf(all: Settings, program: SettingsApp): TracingSettings | undefined {
  const url = all.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? all.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (url === undefined) return undefined;
  return {
    url: all.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? tracesUrl(url),
    protocol: all.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? all.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    headers: { ...all.OTEL_EXPORTER_OTLP_HEADERS, ...all.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    serviceName: all.OTEL_SERVICE_NAME ?? program,
  };
}
