/** Types of receiver.mjs (a plain module so both apps' tests import it across package roots). */

/** A span as the receiver prints it (the OTLP JSON form), with its and its resource's attributes read into records. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  status?: { code?: number };
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

/** One export the receiver accepted: the encoding it came in, its HTTP headers and the request it decoded. */
export interface ReceivedExport {
  encoding: 'json' | 'protobuf';
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: compared whole, or read through `spansOf`
  export: any;
}

/** The spans of an ExportTraceServiceRequest in the OTLP JSON form. */
// biome-ignore lint/suspicious/noExplicitAny: an ExportTraceServiceRequest in the OTLP JSON form
export function spansOf(request: any): ReceivedSpan[];

export interface OtlpReceiver {
  /** The base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  endpoint: string;
  exports: ReceivedExport[];
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

/** Starts the receiver on a free loopback port; resolves once it listens (within 10 s). */
export function startReceiver(): Promise<OtlpReceiver>;
