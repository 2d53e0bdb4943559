import { readdirSync, readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, type ReceivedSpan, startReceiver } from '../../../packages/otel/test/receiver.mjs';
import { type Simulator, simulatorEnvironment, type TextResult, textOf } from './helpers.js';
import { startHttpProcess } from './http-process.js';

// exai-mcp with OTEL_EXPORTER_OTLP_ENDPOINT set exports its spans (through @exai/otel) to a real OTLP/HTTP
// receiver: the `tools/call` span continues the caller's `_meta.traceparent`, the engine's spans are below it.

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const SERVER = 2;

let receiver: OtlpReceiver;
let sim: Simulator;
let cleanup: () => Promise<void>;
let answer: TextResult;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  let env: Record<string, string>;
  receiver = await startReceiver();
  ({ sim, env, cleanup } = await simulatorEnvironment());
  const server = await startHttpProcess({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
  try {
    const client = new Client({ name: 'otlp-export-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    answer = (await client.callTool({
      name: 'chat',
      arguments: { prompt: 'hello', model: 'glm/glm-4.6' },
      _meta: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` },
    })) as TextResult;
    await client.close();
  } finally {
    // SIGTERM: exai-mcp closes its runtime, which exports the spans its batch processor still holds.
    await server.stop();
  }
  await waitFor(() => receiver.spans().some((span) => span.name === 'tools/call chat'), 'the tools/call span');
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await cleanup?.();
});

describe('exai-mcp exports its traces over OTLP', () => {
  it("the tools/call span continues the caller's trace; the engine's call and attempt spans are below it", () => {
    expect(answer.isError, textOf(answer)).toBeFalsy();
    expect(sim.log.length).toBeGreaterThan(0);
    const spans = receiver.spans().filter((span) => span.traceId === TRACE_ID);
    const tool = spans.find((span) => span.name === 'tools/call chat');
    expect(tool).toMatchObject({ traceId: TRACE_ID, parentSpanId: SPAN_ID, kind: SERVER });
    expect(tool!.attributes).toMatchObject({ 'gen_ai.tool.name': 'chat', 'mcp.method.name': 'tools/call' });
    expect(tool!.resource).toMatchObject({ 'service.name': 'exai-mcp' });
    const childrenOf = (parent: ReceivedSpan) => spans.filter((span) => span.parentSpanId === parent.spanId);
    const calls = childrenOf(tool!);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.attributes['exai.route']).toBe('tool:chat');
    const attempts = childrenOf(calls[0]!);
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    // Every span of the trace is one of these: nothing hangs off elsewhere.
    expect(spans.length).toBe(2 + attempts.length);
  });
});

describe('tracing off', () => {
  it('the build imports @exai/otel only dynamically (loaded only when an endpoint is set), and no @opentelemetry', () => {
    const dist = new URL('../dist/', import.meta.url);
    const code = readdirSync(dist)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(new URL(file, dist), 'utf8'));
    expect(code.filter((text) => text.includes('@opentelemetry/'))).toEqual([]);
    // Lines naming the package as a module (the cli's embedded package.json names it as a dependency key).
    const imports = code.flatMap((text) => text.match(/^.*\b(?:import|from)\b.*['"]@exai\/otel['"].*$/gm) ?? []);
    expect(imports.length).toBeGreaterThan(0);
    for (const line of imports) expect(line).toMatch(/\bimport\(\s*['"]@exai\/otel['"]\s*\)/);
  });
});
