import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTracing } from '../src/tracing.js';
import { json, post, startGateway, type TestGateway, waitFor } from './helpers.js';

/** A span as the OTLP JSON encoding carries it, with its attributes read into a record. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
}

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const ERROR = 2;

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const attributeValue = (value: OtlpValue) =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue));

/** The OTLP/HTTP receiver, a separate process, and every span it was sent. */
async function startReceiver() {
  const script = fileURLToPath(new URL('./fixtures/otlp-receiver.mjs', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const spans: ReceivedSpan[] = [];
  let buffered = '';
  let port: number | undefined;
  child.stdout!.on('data', (data) => {
    buffered += String(data);
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (line.port) port = line.port;
      for (const resource of line.export?.resourceSpans ?? [])
        for (const scope of resource.scopeSpans ?? [])
          for (const span of scope.spans ?? [])
            spans.push({
              ...span,
              attributes: Object.fromEntries(
                (span.attributes ?? []).map((item: { key: string; value: OtlpValue }) => [
                  item.key,
                  attributeValue(item.value),
                ]),
              ),
            });
    }
  });
  await waitFor(() => port !== undefined, 10_000, 'the OTLP receiver to listen');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    async close() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let gateway: TestGateway;
  const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpan = '00f067aa0ba902b7';
  // biome-ignore lint/suspicious/noExplicitAny: the assertions are the type check
  let answer: any;
  let plainId: string;
  let garbledId: string;
  let streamId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    gateway = await startGateway({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
    gateway.sim.script('glm-4.6', 'http-503');
    const messages = [{ role: 'user', content: 'Say hello' }];
    const body = { model: 'glm-4.6', models: ['kimi-k2-0905-preview'], messages, temperature: 0 };
    const response = await post(`${gateway.url}/v1/chat/completions`, body, {
      traceparent: `00-${clientTrace}-${clientSpan}-01`,
    });
    expect(response.status).toBe(200);
    answer = await json(response);
    // No traceparent, and a malformed one: each request starts its own trace, and is answered.
    const plain = await post(`${gateway.url}/v1/chat/completions`, { model: 'kimi-k2-0905-preview', messages });
    plainId = plain.headers.get('x-request-id')!;
    const garbled = await post(
      `${gateway.url}/v1/chat/completions`,
      { model: 'kimi-k2-0905-preview', messages },
      { traceparent: '00-zzzz-not-a-trace-ff' },
    );
    expect([plain.status, garbled.status]).toEqual([200, 200]);
    garbledId = garbled.headers.get('x-request-id')!;
    const streamed = await post(`${gateway.url}/v1/chat/completions`, {
      model: 'kimi-k2-0905-preview',
      messages,
      stream: true,
    });
    streamId = streamed.headers.get('x-request-id')!;
    expect(await streamed.text()).toContain('[DONE]');
    // Closing the server exports what its batch processor still holds.
    await gateway.close();
    // The receiver prints each export before answering it; its output may still be on the way.
    await waitFor(() => receiver.spans.filter((span) => span.kind === SERVER).length >= 4, 10_000, 'four traces');
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
  });

  const byRequest = (requestId: string) => {
    const gatewaySpan = receiver.spans.find(
      (span) => span.kind === SERVER && span.attributes['exai.request_id'] === requestId,
    );
    expect(gatewaySpan).toBeDefined();
    return receiver.spans.filter((span) => span.traceId === gatewaySpan!.traceId);
  };

  it('a failed-over request: gateway span, engine span, one client span per attempt, parents linked', () => {
    expect(answer.exai.fell_back).toBe(true);
    const spans = byRequest(answer.exai.request_id);
    const gatewaySpan = spans.find((span) => span.kind === SERVER)!;
    expect(gatewaySpan).toMatchObject({
      name: 'POST /v1/chat/completions',
      traceId: clientTrace,
      parentSpanId: clientSpan,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/v1/chat/completions',
        'http.response.status_code': 200,
      },
    });
    const engineSpan = spans.find((span) => span.kind === INTERNAL)!;
    expect(engineSpan).toMatchObject({
      name: 'chat glm-4.6',
      parentSpanId: gatewaySpan.spanId,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'glm-4.6',
        'gen_ai.request.temperature': 0,
        'gen_ai.provider.name': 'kimi',
        'gen_ai.response.model': 'kimi-k2-0905-preview',
        'exai.fell_back': true,
        'exai.attempts': 2,
      },
    });
    expect(engineSpan.attributes['gen_ai.usage.output_tokens']).toBe(answer.usage.completion_tokens);
    const attempts = spans
      .filter((span) => span.kind === CLIENT)
      .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    const failedOutcome = answer.exai.attempts[0].outcome;
    expect(failedOutcome).not.toBe('ok');
    expect(attempts.map((span) => [span.name, span.parentSpanId])).toEqual([
      ['chat glm-4.6', engineSpan.spanId],
      ['chat kimi-k2-0905-preview', engineSpan.spanId],
    ]);
    expect(attempts[0]).toMatchObject({
      status: { code: ERROR },
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'glm',
        'gen_ai.request.model': 'glm-4.6',
        'exai.attempt.outcome': failedOutcome,
        'error.type': failedOutcome,
      },
    });
    expect(attempts[1]).toMatchObject({
      attributes: {
        'gen_ai.provider.name': 'kimi',
        'gen_ai.request.model': 'kimi-k2-0905-preview',
        'exai.attempt.outcome': 'ok',
        'exai.failover.reason': failedOutcome,
      },
    });
    expect(attempts[1]!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    // Each attempt lies within the engine span, which lies within the gateway span.
    const nanos = (value: string) => BigInt(value);
    for (const attempt of attempts) {
      expect(nanos(attempt.startTimeUnixNano) >= nanos(engineSpan.startTimeUnixNano) - 1_000_000n).toBe(true);
      expect(nanos(attempt.endTimeUnixNano) <= nanos(engineSpan.endTimeUnixNano) + 1_000_000n).toBe(true);
    }
    expect(nanos(engineSpan.endTimeUnixNano) <= nanos(gatewaySpan.endTimeUnixNano)).toBe(true);
  });

  it('a streamed request: the engine span (exai.stream) and its attempt under the gateway span', () => {
    const spans = byRequest(streamId);
    const gatewaySpan = spans.find((span) => span.kind === SERVER)!;
    const engineSpan = spans.find((span) => span.kind === INTERNAL)!;
    expect(engineSpan).toMatchObject({
      name: 'chat kimi-k2-0905-preview',
      parentSpanId: gatewaySpan.spanId,
      attributes: { 'exai.stream': true, 'gen_ai.provider.name': 'kimi', 'exai.attempts': 1 },
    });
    expect(spans.filter((span) => span.kind === CLIENT).map((span) => span.parentSpanId)).toEqual([engineSpan.spanId]);
  });

  it('without a traceparent, or with a malformed one, the gateway span starts a new trace', () => {
    for (const requestId of [plainId, garbledId]) {
      const gatewaySpan = byRequest(requestId).find((span) => span.kind === SERVER)!;
      expect(gatewaySpan.parentSpanId ?? '').toBe('');
      expect(gatewaySpan.traceId).not.toBe(clientTrace);
    }
  });
});

describe('tracing off', () => {
  it('costs nothing to load: only the lazily imported tracing chunk of the build names @opentelemetry', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    const naming = readdirSync(dist)
      .filter((file) => file.endsWith('.js'))
      .filter((file) => readFileSync(`${dist}${file}`, 'utf8').includes('@opentelemetry/'));
    expect(naming).toHaveLength(1);
    expect(naming[0]).toMatch(/^tracing-/);
  });
});

describe("the Tracer seam's remote parent (a traceparent from elsewhere, e.g. an MCP tools/call _meta)", () => {
  it('a span started with `remote` continues that trace; its children follow; unsampled is honoured too', async () => {
    const receiver = await startReceiver();
    try {
      const tracing = await openTracing({ endpoint: receiver.endpoint, serviceName: 'exai-remote-test' }, '0.0.0');
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const spanId = 'b7ad6b7169203331';
      const root = tracing.tracer.startSpan('tools/call chat', {
        kind: 'server',
        remote: { traceId, spanId, sampled: true },
      });
      tracing.tracer.startSpan('chat glm-4.6', { parent: root }).end();
      root.end();
      // Not sampled upstream: the parent-based sampler drops it.
      tracing.tracer.startSpan('unsampled', { remote: { traceId: 'f'.repeat(32), spanId, sampled: false } }).end();
      await tracing.shutdown();
      await waitFor(() => receiver.spans.length >= 2, 10_000, 'two spans');
      const tool = receiver.spans.find((span) => span.name === 'tools/call chat');
      expect(tool).toMatchObject({ traceId, parentSpanId: spanId, kind: SERVER });
      expect(receiver.spans.find((span) => span.name === 'chat glm-4.6')).toMatchObject({
        traceId,
        parentSpanId: tool!.spanId,
      });
      expect(receiver.spans.some((span) => span.name === 'unsampled')).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});
