import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
//#region basic
import { parseSettings, parseTraceparent, tracingSettingsOf } from '@exai/core';
//#endregion basic

/** `@exai/otel`: spans exported over OTLP/HTTP, to a local stand-in for a collector here. */
export async function main(): Promise<void> {
  const received: string[] = [];
  const collector = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    request.resume().on('end', () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` };
  const headers = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
  const meta: Record<string, unknown> = { traceparent: headers.traceparent }; // an MCP tools/call's _meta
  try {
    //#region basic
    const settings = tracingSettingsOf(parseSettings(env).settings, 'exai-mcp'); // undefined: tracing off
    if (settings) {
      const { openTracing } = await import('@exai/otel'); // the SDK loads only now
      const tracing = await openTracing(settings, { name: 'my-gateway', version: '1.0.0' });
      // tracing.tracer is what openGateway({ tracer }) and the engine take.
      const request = tracing.startRequest('POST /v1/chat/completions', headers, { 'http.route': '/v1/chat' });
      request.end();
      const remote = parseTraceparent(meta.traceparent); // a bad one: undefined, a new trace
      const call = tracing.tracer.startSpan('tools/call chat', { kind: 'server', ...(remote ? { remote } : {}) });
      tracing.tracer.startSpan('chat glm-4.6', { kind: 'client', parent: call }).end();
      call.end();
      await tracing.shutdown(); // exports what is buffered
    }
    //#endregion basic
    assert.deepEqual(received, ['POST /v1/traces']);
  } finally {
    await new Promise((resolve) => collector.close(resolve));
  }
}
