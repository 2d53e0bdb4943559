/**
 * The tracing seam (docs/decisions/0024-response-cache-and-tracing.md): the engine and the apps' routes
 * describe spans through this small interface; the composition root that wants traces implements it
 * over the OpenTelemetry SDK (exai-http does when `OTEL_EXPORTER_OTLP_ENDPOINT` is set). Without a
 * tracer nothing is created, so tracing off costs a property check per request.
 */

export type SpanAttributeValue = string | number | boolean | string[];
/** Attributes of a span; `undefined` values are left out. */
export type SpanAttributes = Record<string, SpanAttributeValue | undefined>;

export type SpanKind = 'server' | 'client' | 'internal';

export interface TraceSpan {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed (status ERROR) with this description. */
  fail(message: string): void;
  /** Ends the span, at `endTime` (epoch ms) when given. */
  end(endTime?: number): void;
}

export interface StartSpanOptions {
  /** The span this one is a child of. */
  parent?: TraceSpan;
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /** Epoch ms; default now. A span recorded after the fact (an attempt) gives its real start. */
  startTime?: number;
}

export interface Tracer {
  startSpan(name: string, options?: StartSpanOptions): TraceSpan;
}
