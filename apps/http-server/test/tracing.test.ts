import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { localOwner } from '@exai/engine';
import { openTracing } from '@exai/otel';
import { startSimulator } from '@exai/provider-simulator';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReceivedSpan, spansOf, startReceiver } from '../../../packages/otel/test/receiver.mjs';
import { json, post, simulatorConfig, spawnApp, startGateway, type TestGateway, waitFor } from './helpers.js';

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const ERROR = 2;

/**
 * The chain of parents above a span, by name, up to the first parent not among `spans` (shown as
 * `remote <span id>`, or `root`). A wrong or missing link anywhere changes the chain.
 */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): string[] {
  const chain: string[] = [];
  for (let at: ReceivedSpan | undefined = span; at; ) {
    const parent: ReceivedSpan | undefined = spans.find(
      (candidate) => candidate.traceId === at!.traceId && candidate.spanId === at!.parentSpanId,
    );
    if (!parent) chain.push(at.parentSpanId ? `remote ${at.parentSpanId}` : 'root');
    else chain.push(parent.name);
    at = parent;
  }
  return chain;
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
  // biome-ignore lint/suspicious/noExplicitAny: the assertions are the type check
  let cachedAnswer: any;
  /** What OTEL_EXPORTER_OTLP_HEADERS sends, percent-encoded as the spec says. */
  const headers = 'authorization=Bearer%20otlp-s3cret,x-exai-test=one';

  beforeAll(async () => {
    receiver = await startReceiver();
    gateway = await startGateway({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_HEADERS: headers },
    });
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
    // A second turn of a thread whose first turn kimi saw: the simulator serves that prefix from its context cache.
    const turn = [...messages, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Again' }];
    const cached = await post(`${gateway.url}/v1/chat/completions`, { model: 'kimi-k2-0905-preview', messages: turn });
    expect(cached.status).toBe(200);
    cachedAnswer = await json(cached);
    // Closing the server exports what its batch processor still holds.
    await gateway.close();
    // The receiver prints each export before answering it; its output may still be on the way.
    await waitFor(() => receiver.spans().filter((span) => span.kind === SERVER).length >= 5, 10_000, 'five traces');
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
  });

  const byRequest = (requestId: string) => {
    const gatewaySpan = receiver
      .spans()
      .find((span) => span.kind === SERVER && span.attributes['exai.request_id'] === requestId);
    expect(gatewaySpan).toBeDefined();
    return receiver.spans().filter((span) => span.traceId === gatewaySpan!.traceId);
  };

  it('a failed-over request: gateway, engine and attempt spans with GenAI attributes, cost, reason and parent links', () => {
    expect(answer.exai.fell_back).toBe(true);
    // The default exporter (@opentelemetry/exporter-trace-otlp-proto): OTLP/HTTP protobuf, the spec's default.
    expect(new Set(receiver.exports.map((received) => received.encoding))).toEqual(new Set(['protobuf']));
    const spans = byRequest(answer.exai.request_id);
    expect(spans).toHaveLength(4);
    for (const span of spans) expect(span.resource).toMatchObject({ 'service.name': 'exai-http' });
    const gatewaySpan = spans.find((span) => span.kind === SERVER)!;
    expect(gatewaySpan).toMatchObject({
      name: 'POST /v1/chat/completions',
      traceId: clientTrace,
      parentSpanId: clientSpan,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: 'POST',
        [ATTR_HTTP_ROUTE]: '/v1/chat/completions',
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
      },
    });
    const engineSpans = spans.filter((span) => span.kind === INTERNAL);
    expect(engineSpans).toHaveLength(1);
    const engineSpan = engineSpans[0]!;
    expect(engineSpan).toMatchObject({
      name: 'chat glm-4.6',
      parentSpanId: gatewaySpan.spanId,
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'glm-4.6',
        [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0,
        [ATTR_GEN_AI_PROVIDER_NAME]: 'kimi',
        [ATTR_GEN_AI_RESPONSE_MODEL]: 'kimi-k2-0905-preview',
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: answer.usage.prompt_tokens,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: answer.usage.completion_tokens,
        'exai.fell_back': true,
        'exai.attempts': 2,
        'exai.cost': answer.exai.cost.amount,
        'exai.cost.currency': answer.exai.cost.currency,
        'exai.cost.estimated': answer.exai.cost.estimated,
      },
    });
    // The deprecated name of gen_ai.provider.name is not written beside it.
    expect(spans.some((span) => ATTR_GEN_AI_SYSTEM in span.attributes)).toBe(false);
    const attempts = spans
      .filter((span) => span.kind === CLIENT)
      .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    const [failed, answered] = answer.exai.attempts;
    expect(failed.outcome).not.toBe('ok');
    expect(attempts.map((span) => [span.name, span.parentSpanId])).toEqual([
      ['chat glm-4.6', engineSpan.spanId],
      ['chat kimi-k2-0905-preview', engineSpan.spanId],
    ]);
    // Every link up to the client's span: attempt -> engine -> gateway -> the traceparent's span.
    for (const attempt of attempts)
      expect(ancestry(spans, attempt)).toEqual(['chat glm-4.6', 'POST /v1/chat/completions', `remote ${clientSpan}`]);
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([clientTrace]));
    expect(attempts[0]).toMatchObject({
      status: { code: ERROR },
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_PROVIDER_NAME]: 'glm',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'glm-4.6',
        'exai.attempt.index': 0,
        'exai.attempt.outcome': failed.outcome,
        [ATTR_ERROR_TYPE]: failed.outcome,
      },
    });
    expect(attempts[0]!.attributes).not.toHaveProperty('exai.failover.reason');
    // The failed attempt has no usage: no cached count is made up.
    expect(attempts[0]!.attributes).not.toHaveProperty(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS);
    if (failed.cost) expect(attempts[0]!.attributes['exai.cost']).toBe(failed.cost.amount);
    else expect(attempts[0]!.attributes).not.toHaveProperty('exai.cost');
    expect(answered.cost.amount).toBeGreaterThan(0);
    expect(attempts[1]).toMatchObject({
      attributes: {
        [ATTR_GEN_AI_PROVIDER_NAME]: 'kimi',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'kimi-k2-0905-preview',
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: answer.usage.prompt_tokens,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: answer.usage.completion_tokens,
        'exai.attempt.index': 1,
        'exai.attempt.outcome': 'ok',
        'exai.failover.reason': failed.outcome,
        // kimi said none of this prompt was cached.
        [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 0,
        'exai.cost': answered.cost.amount,
        'exai.cost.currency': answered.cost.currency,
        'exai.cost.estimated': answered.cost.estimated,
      },
    });
    expect(attempts[1]!.status?.code ?? 0).not.toBe(ERROR);
    expect(attempts[1]!.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS]).toBeGreaterThan(0);
    // Each attempt lies within the engine span, which lies within the gateway span.
    const nanos = (value: string) => BigInt(value);
    for (const attempt of attempts) {
      expect(nanos(attempt.startTimeUnixNano) >= nanos(engineSpan.startTimeUnixNano) - 1_000_000n).toBe(true);
      expect(nanos(attempt.endTimeUnixNano) <= nanos(engineSpan.endTimeUnixNano) + 1_000_000n).toBe(true);
    }
    expect(nanos(engineSpan.endTimeUnixNano) <= nanos(gatewaySpan.endTimeUnixNano)).toBe(true);
  });

  it('every export carries the OTEL_EXPORTER_OTLP_HEADERS headers, percent-decoded', () => {
    expect(receiver.exports.length).toBeGreaterThan(0);
    for (const received of receiver.exports) {
      expect(received.headers).toMatchObject({
        authorization: 'Bearer otlp-s3cret',
        'x-exai-test': 'one',
        'content-type': 'application/x-protobuf',
      });
    }
  });

  it('cached input tokens the provider reported: gen_ai.usage.cache_read.input_tokens on attempt and engine', () => {
    const cached = cachedAnswer.exai.cost.cached_tokens;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThanOrEqual(cachedAnswer.usage.prompt_tokens);
    const spans = byRequest(cachedAnswer.exai.request_id);
    const attempts = spans.filter((span) => span.kind === CLIENT);
    expect(attempts).toHaveLength(1);
    for (const span of [...attempts, spans.find((span) => span.kind === INTERNAL)!]) {
      expect(span.attributes).toMatchObject({
        [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: cached,
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: cachedAnswer.usage.prompt_tokens,
      });
    }
  });

  it('the parent-link check fails on a wrong link', () => {
    const spans = byRequest(answer.exai.request_id);
    const attempt = spans.find((span) => span.kind === CLIENT)!;
    const engineSpan = spans.find((span) => span.kind === INTERNAL)!;
    const correct = ancestry(spans, attempt);
    // The engine span re-parented onto the client's span, and an attempt onto the gateway span.
    const skipped = spans.map((span) => (span === engineSpan ? { ...span, parentSpanId: clientSpan } : span));
    const gatewaySpan = spans.find((span) => span.kind === SERVER)!;
    expect(ancestry(skipped, attempt)).not.toEqual(correct);
    expect(ancestry(spans, { ...attempt, parentSpanId: gatewaySpan.spanId })).not.toEqual(correct);
    expect(ancestry(spans, { ...attempt, traceId: '0'.repeat(32) })).not.toEqual(correct);
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

describe('the standard OTLP exporter variables', () => {
  it('OTEL_EXPORTER_OTLP_TRACES_*: JSON when asked, the URL as given, its headers winning; the service name', async () => {
    const receiver = await startReceiver();
    try {
      const gateway = await startGateway({
        env: {
          // The generic ones point elsewhere: the traces-specific ones must win.
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-exai-test=generic,x-only-generic=1',
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-exai-test=traces',
          OTEL_SERVICE_NAME: 'gateway-eu',
        },
      });
      const messages = [{ role: 'user', content: 'Say hello' }];
      const response = await post(`${gateway.url}/v1/chat/completions`, { model: 'kimi-k2-0905-preview', messages });
      expect(response.status).toBe(200);
      const requestId = response.headers.get('x-request-id');
      await gateway.close();
      await waitFor(() => receiver.spans().some((span) => span.kind === SERVER), 10_000, 'the trace');
      expect(new Set(receiver.exports.map((received) => received.encoding))).toEqual(new Set(['json']));
      for (const received of receiver.exports) {
        expect(received.headers).toMatchObject({
          'x-exai-test': 'traces',
          'x-only-generic': '1',
          'content-type': 'application/json',
        });
      }
      const gatewaySpan = receiver.spans().find((span) => span.kind === SERVER)!;
      expect(gatewaySpan.attributes['exai.request_id']).toBe(requestId);
      expect(gatewaySpan.resource).toMatchObject({ 'service.name': 'gateway-eu' });
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it('grpc is refused at start naming the variable, and a bad header is refused without showing it', async () => {
    const sim = await startSimulator({ port: 0 });
    try {
      const started = spawnApp({
        config: simulatorConfig(sim),
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20otlp-s3cret,otlp-s3cret-too',
        },
      });
      const error: Error = await started.then(
        () => expect.unreachable('exai-http started'),
        (failure) => failure,
      );
      expect(error.message).toMatch(/exited with 2/);
      expect(error.message).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported/);
      expect(error.message).toMatch(/OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not name=value/);
      expect(error.message).not.toContain('s3cret');
    } finally {
      await sim.close();
    }
  }, 30_000);
});

describe('the OTLP receiver', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  const send = (body: string | Uint8Array, headers: Record<string, string>, path = '/v1/traces') =>
    fetch(`${receiver.endpoint}${path}`, { method: 'POST', headers, body });

  it('decodes what the official JSON and protobuf exporters send into one request, and they accept its answers', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('receiver-test');
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
    const attributes = { text: 'x', count: 3, ratio: 1.5, flag: true, list: ['p', 'q'] };
    tracer.startSpan('child', { kind: SpanKind.CLIENT, attributes }, trace.setSpan(ROOT_CONTEXT, parent)).end();
    parent.end();
    const finished = memory.getFinishedSpans();
    const exported = (exporter: JsonExporter | ProtobufExporter) =>
      new Promise<ExportResult>((resolve) => exporter.export(finished, resolve));
    const url = `${receiver.endpoint}/v1/traces`;
    expect((await exported(new JsonExporter({ url }))).code).toBe(ExportResultCode.SUCCESS);
    expect((await exported(new ProtobufExporter({ url }))).code).toBe(ExportResultCode.SUCCESS);
    await waitFor(() => receiver.exports.length >= 2, 5_000, 'two exports');
    const [fromJson, fromProtobuf] = receiver.exports;
    expect([fromJson!.encoding, fromProtobuf!.encoding]).toEqual(['json', 'protobuf']);
    expect(fromJson!.export).toEqual(fromProtobuf!.export);
    const spans = spansOf(fromProtobuf!.export);
    const [child, root] = [spans.find((span) => span.name === 'child')!, spans.find((span) => span.name === 'parent')!];
    expect(child).toMatchObject({ kind: CLIENT, parentSpanId: root.spanId, traceId: root.traceId, attributes });
    expect(root).toMatchObject({ kind: SERVER, parentSpanId: '' });
    expect(root.spanId).toBe(parent.spanContext().spanId);
    await provider.shutdown();
  });

  it('answers as OTLP/HTTP says: 415 for another content type, 400 with a Status for a bad body', async () => {
    const accepted = receiver.exports.length;
    expect((await send('{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await send('{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415);
    for (const body of ['not json', '{"resourceSpans":5}', '[]']) {
      const answer = await send(body, { 'content-type': 'application/json' });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ code: 3, message: expect.any(String) });
    }
    const garbage = await send(new Uint8Array([0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('content-type')).toBe('application/x-protobuf');
    expect(Buffer.from(await garbage.arrayBuffer())[0]).toBe(0x08); // Status.code, field 1 varint
    // A span whose trace id is 4 bytes, not 16.
    const short = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651a', spanId: 'b7ad6b7169203331' }] }] }],
    };
    expect((await send(JSON.stringify(short), { 'content-type': 'application/json' })).status).toBe(400);
    expect((await send('{}', { 'content-type': 'application/json' }, '/v1/metrics')).status).toBe(404);
    expect((await fetch(`${receiver.endpoint}/v1/traces`)).status).toBe(405);
    expect(receiver.exports.length).toBe(accepted);
    // An empty request, gzipped: accepted, answered with an empty ExportTraceServiceResponse.
    const empty = await send(gzipSync('{"resourceSpans":[]}'), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect([empty.status, await empty.json()]).toEqual([200, {}]);
  });
});

describe('tracing off', () => {
  /** The modules a started `exai-http` process loaded while answering one chat request, and what it logged. */
  async function modulesLoaded(env: Record<string, string>): Promise<{ modules: string[]; stderr: string }> {
    const sim = await startSimulator({ port: 0 });
    const log = join(mkdtempSync(join(tmpdir(), 'exai-modules-')), 'modules.txt');
    const preload = new URL('./fixtures/record-modules.mjs', import.meta.url).href;
    const app = await spawnApp({
      config: simulatorConfig(sim),
      env: { NODE_OPTIONS: `--import=${preload}`, EXAI_TEST_MODULE_LOG: log, ...env },
    });
    try {
      const messages = [{ role: 'user', content: 'Say hello' }];
      const response = await post(`${app.url}/v1/chat/completions`, { model: 'kimi-k2-0905-preview', messages });
      expect(response.status).toBe(200);
    } finally {
      app.child.kill('SIGTERM');
      await app.exit;
      await sim.close();
    }
    return { modules: readFileSync(log, 'utf8').split('\n').filter(Boolean), stderr: app.stderr() };
  }

  /** The @opentelemetry packages among loaded module paths or URLs. */
  const otelPackages = (modules: string[]) =>
    new Set(modules.flatMap((module) => /@opentelemetry[/+]([a-z-]+)/.exec(module)?.[1] ?? []));

  it('a server started without OTEL_EXPORTER_OTLP_ENDPOINT loads none of the SDK; with it, it does', async () => {
    const { modules: off } = await modulesLoaded({});
    expect(off.some((module) => module.includes('/fastify/'))).toBe(true); // the log does see packages
    // Only the API facade, which prom-client's default process metrics require (for exemplars).
    expect([...otelPackages(off)]).toEqual(['api']);
    const otelPackage = (module: string) => /\/otel\/dist\/index\.js$/.test(module);
    expect(off.filter(otelPackage)).toEqual([]);
    const receiver = await startReceiver();
    try {
      const { modules: on, stderr } = await modulesLoaded({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20otlp-s3cret',
        EXAI_LOG_LEVEL: 'trace',
      });
      const loaded = otelPackages(on);
      for (const name of ['api', 'core', 'resources', 'sdk-trace-base', 'exporter-trace-otlp-proto'])
        expect(loaded.has(name), name).toBe(true);
      // Only the exporter of the protocol in use is loaded (http/protobuf by default).
      expect(loaded.has('exporter-trace-otlp-http')).toBe(false);
      expect(on.some(otelPackage)).toBe(true);
      await waitFor(() => receiver.spans().length > 0, 10_000, 'spans from the traced process');
      expect(receiver.exports[0]!.headers.authorization).toBe('Bearer otlp-s3cret');
      // Everything it logged, at the most verbose level: the header's secret is not in it.
      expect(stderr.length).toBeGreaterThan(0);
      expect(stderr).not.toContain('s3cret');
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it('costs nothing to load: no chunk of the build names @opentelemetry; @exai/otel is only imported lazily', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    const chunks = readdirSync(dist)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(`${dist}${file}`, 'utf8'));
    expect(chunks.filter((text) => text.includes('@opentelemetry/'))).toEqual([]);
    const naming = chunks.flatMap((text) => text.match(/^.*['"]@exai\/otel['"].*$/gm) ?? []);
    expect(naming.length).toBeGreaterThan(0);
    for (const line of naming) expect(line).toMatch(/\bimport\(\s*['"]@exai\/otel['"]\s*\)/);
  });
});

describe('the request log carries the trace id', () => {
  it("a valid traceparent's trace id is stored on the request's row, tracing off too; a malformed one is not", async () => {
    const gateway = await startGateway({});
    try {
      const messages = [{ role: 'user', content: 'Say hello' }];
      const body = { model: 'kimi-k2-0905-preview', messages };
      const traced = await post(`${gateway.url}/v1/chat/completions`, body, {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      });
      const garbled = await post(`${gateway.url}/v1/chat/completions`, body, { traceparent: '00-zzzz-not-a-trace-ff' });
      expect([traced.status, garbled.status]).toEqual([200, 200]);
      const ids = [traced.headers.get('x-request-id'), garbled.headers.get('x-request-id')];
      const rows = async () => {
        const all = await gateway.server.deps.store.listRequests({ owner: localOwner, admin: true }, { limit: 20 });
        return ids.map((id) => all.find((row) => row.id === id));
      };
      await waitFor(async () => (await rows()).every(Boolean), 10_000, 'both request log rows');
      const [tracedRow, garbledRow] = await rows();
      expect(tracedRow!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(garbledRow!.traceId).toBeNull();
    } finally {
      await gateway.close();
    }
  });
});

describe("the Tracer seam's remote parent (a traceparent from elsewhere, e.g. an MCP tools/call _meta)", () => {
  it('a span started with `remote` continues that trace; its children follow; unsampled is honoured too', async () => {
    const receiver = await startReceiver();
    try {
      const tracing = await openTracing(
        {
          url: `${receiver.endpoint}/v1/traces`,
          protocol: 'http/protobuf',
          headers: {},
          serviceName: 'exai-remote-test',
        },
        { name: 'exai-remote-test', version: '0.0.0' },
      );
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
      await waitFor(() => receiver.spans().length >= 2, 10_000, 'two spans');
      const tool = receiver.spans().find((span) => span.name === 'tools/call chat');
      expect(tool).toMatchObject({ traceId, parentSpanId: spanId, kind: SERVER });
      expect(receiver.spans().find((span) => span.name === 'chat glm-4.6')).toMatchObject({
        traceId,
        parentSpanId: tool!.spanId,
      });
      expect(receiver.spans().some((span) => span.name === 'unsampled')).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});
