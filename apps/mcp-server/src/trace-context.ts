import { type Logger, parseTraceparent, type Tracer, type TraceSpan } from '@exai/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Where a tool call's trace goes: spans (a tracer, when tracing is on) and the log line of each call. */
export interface ToolTracing {
  tracer?: Tracer;
  logger?: Logger;
}

export interface ToolCallTrace {
  /** The call's span, parent of the engine's spans; undefined without a tracer. */
  span?: TraceSpan;
  /** The caller's trace id (a valid `_meta.traceparent`), for the request log. */
  traceId?: string;
  finish(result: CallToolResult | undefined): void;
}

/**
 * A `tools/call`'s trace: its span (kind server) continues the client's trace when `_meta.traceparent`
 * is a valid W3C trace context (a bad one is ignored), and its request log line (info) carries the
 * trace and parent span ids, so a host's trace finds the gateway's entry.
 */
export function traceToolCall(
  tracing: ToolTracing,
  tool: string,
  meta: Record<string, unknown> | undefined,
): ToolCallTrace {
  const remote = parseTraceparent(meta?.traceparent);
  const started = Date.now();
  const span = tracing.tracer?.startSpan(`tools/call ${tool}`, {
    kind: 'server',
    ...(remote ? { remote } : {}),
    attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool },
  });
  return {
    ...(span ? { span } : {}),
    ...(remote ? { traceId: remote.traceId } : {}),
    finish(result) {
      const failed = result === undefined || result.isError === true;
      if (failed) span?.fail(result === undefined ? 'the call threw' : 'the tool answered with an error');
      span?.end();
      tracing.logger?.info(
        {
          tool,
          outcome: failed ? 'error' : 'ok',
          latencyMs: Date.now() - started,
          ...(remote ? { traceId: remote.traceId, parentSpanId: remote.spanId } : {}),
        },
        'mcp tools/call',
      );
    },
  };
}
