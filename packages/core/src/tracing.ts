/**
 * The tracing seam (docs/decisions/0024-response-cache-and-tracing.md): the engine and the apps' routes
 * describe spans through this small interface; the composition root that wants traces implements it
 * over the OpenTelemetry SDK (@exai/otel, which both apps load when `OTEL_EXPORTER_OTLP_ENDPOINT` is set). Without a
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

/** A span of another process (W3C trace context): a span started with it as `remote` continues its trace. */
export interface RemoteSpanContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  sampled: boolean;
}

export interface StartSpanOptions {
  /** The span this one is a child of. */
  parent?: TraceSpan;
  /** Without `parent`: the other process's span this one is a child of (a client's `traceparent`). */
  remote?: RemoteSpanContext;
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /** Epoch ms; default now. A span recorded after the fact (an attempt) gives its real start. */
  startTime?: number;
}

export interface Tracer {
  startSpan(name: string, options?: StartSpanOptions): TraceSpan;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[\x21-\x7e]*)?$/;

/**
 * A W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), validated as the Trace Context spec says:
 * lowercase hex, no all-zero ids, version `ff` refused, version 00 without trailing fields. Anything
 * else (not a string, too long, malformed) is undefined: a bad value is ignored, never an error.
 */
export function parseTraceparent(value: unknown): RemoteSpanContext | undefined {
  if (typeof value !== 'string' || value.length > 256) return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}
