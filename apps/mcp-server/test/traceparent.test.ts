import { Writable } from 'node:stream';
import {
  createLogger,
  loadConfig,
  type RemoteSpanContext,
  type StartSpanOptions,
  type Tracer,
  type TraceSpan,
} from '@exai/core';
import { localOwner } from '@exai/engine';
import { createToolRegistry, type Gateway, openGateway } from '@exai/tools';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBareServer, registerTools } from '../src/mcp-server.js';
import { type Simulator, simulatorEnvironment, type TextResult, textOf } from './helpers.js';

/** The tracing seam recorded in process: each span with its parent, remote parent and attributes. */
interface Recorded {
  name: string;
  parent: Recorded | undefined;
  remote: RemoteSpanContext | undefined;
  attributes: Record<string, unknown>;
  failed: string | undefined;
  ended: boolean;
}

function recordingTracer(): Tracer & { spans: Recorded[] } {
  const spans: Recorded[] = [];
  const records = new WeakMap<TraceSpan, Recorded>();
  return {
    spans,
    startSpan(name: string, options: StartSpanOptions = {}) {
      const record: Recorded = {
        name,
        parent: options.parent ? records.get(options.parent) : undefined,
        remote: options.remote,
        attributes: { ...options.attributes },
        failed: undefined,
        ended: false,
      };
      spans.push(record);
      const handle: TraceSpan = {
        setAttributes: (attributes) => Object.assign(record.attributes, attributes),
        fail: (message) => {
          record.failed = message;
        },
        end: () => {
          record.ended = true;
        },
      };
      records.set(handle, record);
      return handle;
    },
  };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

let sim: Simulator;
let cleanup: () => Promise<void>;
let gateway: Gateway;
let client: Client;
const tracer = recordingTracer();
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  let env: Record<string, string>;
  ({ sim, env, cleanup } = await simulatorEnvironment());
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  });
  gateway = await openGateway({ config: loadConfig({ env }), logger, tracer });
  const registry = createToolRegistry({ engine: gateway.engine, store: gateway.store, env });
  const server = createBareServer({ version: '0.0.0-test' });
  registerTools(server, registry, { owner: localOwner }, { tracer, logger });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'traceparent-test', version: '1.0.0' });
  await client.connect(clientSide);
});
beforeEach(() => {
  tracer.spans.length = 0;
  lines.length = 0;
  sim.reset();
});
afterAll(async () => {
  await client?.close();
  await gateway?.close(1_000);
  await cleanup?.();
});

const call = (name: string, args: Record<string, unknown>, traceparent?: unknown) =>
  client.callTool({
    name,
    arguments: args,
    ...(traceparent !== undefined ? { _meta: { traceparent } } : {}),
  }) as Promise<TextResult>;

const toolSpan = (name: string) => tracer.spans.find((span) => span.name === `tools/call ${name}`);

describe('traceparent in a tools/call _meta', () => {
  it("continues the client's trace: the tool span's remote parent, the engine's spans under it, the log line", async () => {
    const answer = await call('chat', { prompt: 'hello', model: 'glm/glm-4.6' }, `00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(answer.isError, textOf(answer)).toBeFalsy();
    const tool = toolSpan('chat');
    expect(tool?.remote).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true });
    expect(tool?.parent).toBeUndefined();
    expect(tool?.ended).toBe(true);
    const engine = tracer.spans.filter((span) => span.name.startsWith('chat '));
    // The engine's call span is the tool span's child; its attempt spans are the call span's children.
    expect(engine.length).toBeGreaterThanOrEqual(2);
    const callSpan = engine.find((span) => span.parent === tool);
    expect(callSpan?.attributes['exai.route']).toBe('tool:chat');
    expect(engine.filter((span) => span !== callSpan).every((span) => span.parent === callSpan)).toBe(true);
    const line = lines.find((entry) => entry.msg === 'mcp tools/call' && entry.tool === 'chat');
    expect(line).toMatchObject({ traceId: TRACE_ID, parentSpanId: SPAN_ID, outcome: 'ok' });
    // The request log row of the engine's call carries the caller's trace id (store migration 0008).
    await vi.waitFor(
      async () => {
        const rows = await gateway.store.listRequests({ owner: localOwner }, { limit: 20 });
        expect(rows.find((row) => row.route === 'tool:chat')?.traceId).toBe(TRACE_ID);
      },
      { timeout: 10_000 },
    );
  });

  it('consensus: every participant call is a child of the one tool span', async () => {
    const answer = await call(
      'consensus',
      { prompt: 'Ship it?', models: [{ model: 'glm/glm-4.6' }, { model: 'minimax/MiniMax-M2' }], synthesize: false },
      `00-${TRACE_ID}-${SPAN_ID}-00`,
    );
    expect(answer.isError, textOf(answer)).toBeFalsy();
    const tool = toolSpan('consensus');
    expect(tool?.remote).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: false });
    expect(tracer.spans.filter((span) => span.parent === tool && span.name.startsWith('chat '))).toHaveLength(2);
  });

  it('a garbage traceparent is ignored: the call succeeds, its span starts a new trace, the log has no trace id', async () => {
    const garbage: unknown[] = [
      'not-a-traceparent',
      `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `ff-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-01-extra`,
      `00-${TRACE_ID}-${SPAN_ID}-01\nX-Injected: 1`,
      'x'.repeat(10_000),
      42,
      { traceId: TRACE_ID },
      null,
    ];
    for (const value of garbage) {
      tracer.spans.length = 0;
      lines.length = 0;
      const answer = await call('version', {}, value);
      expect(answer.isError, `${JSON.stringify(value)}: ${textOf(answer)}`).toBeFalsy();
      const tool = toolSpan('version');
      expect(tool, JSON.stringify(value)).toBeDefined();
      expect(tool?.remote, JSON.stringify(value)).toBeUndefined();
      const line = lines.find((entry) => entry.msg === 'mcp tools/call');
      expect(line).toMatchObject({ tool: 'version', outcome: 'ok' });
      expect(line).not.toHaveProperty('traceId');
    }
    // A later version (not 00) may carry more fields: accepted, as the spec says.
    tracer.spans.length = 0;
    await call('version', {}, `01-${TRACE_ID}-${SPAN_ID}-01-more`);
    expect(toolSpan('version')?.remote?.traceId).toBe(TRACE_ID);
  });
});
