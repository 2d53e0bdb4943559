import type { SpanAttributes, StartSpanOptions, Tracer, TraceSpan, TracingSettings } from '@exai/core';

/**
 * OpenTelemetry for both apps (docs/decisions/0024-response-cache-and-tracing.md,
 * docs/decisions/0033-otel-package.md): the engine's `Tracer` seam implemented over the official SDK, spans
 * exported over OTLP/HTTP (protobuf, or JSON when `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), a span's parent
 * either one of its spans or a remote one (an MCP `_meta.traceparent`), and a server span continuing the W3C
 * `traceparent` of a request's headers. The apps import this package only when an OTLP endpoint is set
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, read by `tracingSettingsOf` in
 * @exai/core); the SDK's modules load when `openTracing` runs. No global provider or context manager is
 * registered; parents are passed explicitly.
 */

export type { TracingSettings } from '@exai/core';

/** Request headers: a fetch `Headers` or Node's header record. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

/** Who exports: the `service.version` of the resource and the name and version of the instrumentation scope. */
export interface TracingSource {
  /** The program (`exai-http`, `exai-mcp`): the instrumentation scope's name. */
  name: string;
  version: string;
}

export interface AppTracing {
  /** What the engine is given. */
  tracer: Tracer;
  /** The server span of one request (kind server), the child of its headers' W3C `traceparent` when valid. */
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

/** Starts the SDK: a provider exporting in batches (every second) to `settings.url`. */
export async function openTracing(settings: TracingSettings, source: TracingSource): Promise<AppTracing> {
  const [api, sdk, exporter, { resourceFromAttributes }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    exporterOf(settings),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': source.version }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 })],
  });
  const otel = provider.getTracer(source.name, source.version);
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
