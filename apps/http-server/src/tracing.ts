import type { OtlpProtocol, SpanAttributes, StartSpanOptions, Tracer, TraceSpan } from '@exai/core';
import type { HeadersLike } from './deps.js';

/**
 * OpenTelemetry for exai-http (docs/decisions/0024-response-cache-and-tracing.md): the engine's
 * `Tracer` seam implemented over the official SDK, spans exported over OTLP/HTTP (protobuf, or JSON
 * when `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), and the gateway's request span, a child of the client's
 * W3C `traceparent` when it sent one. Loaded only when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`
 * or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): with tracing off none of the SDK is imported (only
 * `@opentelemetry/api`, a no-op facade, is loaded, by prom-client's default metrics).
 * No global provider or context manager is registered; parents are passed explicitly.
 */

export interface TracingSettings {
  /** Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
  url: string;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`: the exporter loaded. Default `http/protobuf`. */
  protocol: OtlpProtocol;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`, sent with every export. Secrets: never logged. */
  headers: Record<string, string>;
  /** `OTEL_SERVICE_NAME`. Default `exai-http`. */
  serviceName: string;
}

export interface AppTracing {
  /** What the engine is given. */
  tracer: Tracer;
  /** The gateway span of one HTTP request (kind server). */
  startRequest(name: string, headers: HeadersLike, attributes: SpanAttributes): TraceSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** The official OTLP/HTTP exporter of `protocol`; only that one package is imported. */
async function exporterOf(settings: TracingSettings) {
  const { OTLPTraceExporter } =
    settings.protocol === 'http/json'
      ? await import('@opentelemetry/exporter-trace-otlp-http')
      : await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url: settings.url, headers: { ...settings.headers } });
}

function defined(attributes: SpanAttributes | undefined) {
  const result: Record<string, string | number | boolean | string[]> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) result[key] = value;
  return result;
}

function headerGetter(headers: HeadersLike) {
  return {
    keys: () =>
      typeof (headers as Headers).keys === 'function' ? [...(headers as Headers).keys()] : Object.keys(headers),
    get(_carrier: unknown, key: string) {
      if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(key) ?? undefined;
      return (headers as Record<string, string | string[] | undefined>)[key];
    },
  };
}

export async function openTracing(settings: TracingSettings, version: string): Promise<AppTracing> {
  const [api, sdk, exporter, { resourceFromAttributes }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    exporterOf(settings),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': version }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 })],
  });
  const otel = provider.getTracer('exai-http', version);
  const propagator = new W3CTraceContextPropagator();
  const kinds = { server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT, internal: api.SpanKind.INTERNAL };
  const spans = new WeakMap<TraceSpan, ReturnType<typeof otel.startSpan>>();

  function start(name: string, options: StartSpanOptions, context: ReturnType<typeof api.context.active>): TraceSpan {
    const span = otel.startSpan(
      name,
      {
        kind: kinds[options.kind ?? 'internal'],
        attributes: defined(options.attributes),
        ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
      },
      context,
    );
    const handle: TraceSpan = {
      setAttributes: (attributes) => void span.setAttributes(defined(attributes)),
      fail: (message) => void span.setStatus({ code: api.SpanStatusCode.ERROR, message }),
      end: (endTime) => span.end(endTime),
    };
    spans.set(handle, span);
    return handle;
  }

  return {
    tracer: {
      startSpan(name, options = {}) {
        const parent = options.parent ? spans.get(options.parent) : undefined;
        if (parent) return start(name, options, api.trace.setSpan(api.ROOT_CONTEXT, parent));
        const remote = options.remote;
        if (!remote) return start(name, options, api.ROOT_CONTEXT);
        const traceFlags = remote.sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE;
        const context = { traceId: remote.traceId, spanId: remote.spanId, traceFlags, isRemote: true };
        return start(name, options, api.trace.setSpanContext(api.ROOT_CONTEXT, context));
      },
    },
    startRequest(name, headers, attributes) {
      const context = propagator.extract(api.ROOT_CONTEXT, headers, headerGetter(headers));
      return start(name, { kind: 'server', attributes }, context);
    },
    shutdown: () => provider.shutdown(),
  };
}
