import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_LIMITS } from '../src/chat-schema.js';
import { ADMIN_KEY, API_KEY, connect, type Harness, startHarness } from './ws-harness.js';

/** Work and memory a client can make the gateway spend: metric series, caps on a chat body, the depth check. */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

const chat = (body: unknown) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** Sample lines of the Prometheus text: one per series. */
async function series(): Promise<string[]> {
  const text = await (
    await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  ).text();
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

const user = [{ role: 'user', content: 'hi' }];

describe('metric labels', () => {
  it('300 requests with made-up model names add under 100 series, none named after the junk', async () => {
    await chat({ model: 'glm-4.6', messages: user });
    const before = await series();
    const names = Array.from(
      { length: 300 },
      (_, index) =>
        [`glm-junk-${index}`, `kimi-junk-${index}`, `junk-${index}`, `glm/junk-${index}`, `kimi/x${index}`][
          index % 5
        ] as string,
    );
    const statuses: number[] = [];
    for (let start = 0; start < names.length; start += 20) {
      const answers = await Promise.all(
        names.slice(start, start + 20).map((model, index) => chat({ model, messages: user, stream: index % 2 === 0 })),
      );
      for (const answer of answers) {
        statuses.push(answer.status);
        await answer.text();
      }
    }
    // Some of them reach a provider (a glm-* name is passed through to glm), so they are labelled.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    const after = await series();
    expect(after.length - before.length).toBeLessThan(100);
    const text = after.join('\n');
    expect(text).not.toMatch(/junk|kimi\/x/);
    expect(text).toMatch(
      /exai_http_requests_total\{route="\/v1\/chat\/completions",provider="glm",model="other",status="200"\}/,
    );
    expect(text).toMatch(/model="glm-4\.6"/);
  }, 120_000);

  it('labels unmatched routes as one route', async () => {
    for (let index = 0; index < 20; index += 1)
      await (
        await fetch(`${harness.url}/nowhere-${index}`, { headers: { authorization: `Bearer ${API_KEY}` } })
      ).text();
    const text = (await series()).join('\n');
    expect(text).not.toContain('nowhere');
    expect(text).toMatch(/route="unmatched"/);
  });
});

describe('caps on a chat body', () => {
  const many = <T>(count: number, make: (index: number) => T) =>
    Array.from({ length: count }, (_, index) => make(index));
  const cases: Array<[string, unknown, string]> = [
    [
      'messages',
      { model: 'glm-4.6', messages: many(CHAT_LIMITS.messages + 1, () => ({ role: 'user', content: 'x' })) },
      'messages',
    ],
    [
      'tools',
      {
        model: 'glm-4.6',
        messages: user,
        tools: many(CHAT_LIMITS.tools + 1, (index) => ({ type: 'function', function: { name: `f${index}` } })),
      },
      'tools',
    ],
    [
      'content parts',
      {
        model: 'glm-4.6',
        messages: [{ role: 'user', content: many(CHAT_LIMITS.contentParts + 1, () => ({ type: 'text', text: 'x' })) }],
      },
      'messages[0].content',
    ],
    ['max_tokens', { model: 'glm-4.6', messages: user, max_tokens: CHAT_LIMITS.maxTokens + 1 }, 'max_tokens'],
    [
      'max_completion_tokens',
      { model: 'glm-4.6', messages: user, max_completion_tokens: 2 ** 40 },
      'max_completion_tokens',
    ],
    ['models', { model: 'glm-4.6', messages: user, models: many(CHAT_LIMITS.models + 1, () => 'glm-4.6') }, 'models'],
  ];

  it('refuses each with a 400 naming the field, over HTTP and over the WebSocket', async () => {
    const client = await connect(harness.wsURL);
    try {
      for (const [what, body, param] of cases) {
        const answer = await chat(body);
        const error = (await answer.json()) as { error: { param: string; message: string; type: string } };
        expect(answer.status, what).toBe(400);
        expect(error.error.type).toBe('invalid_request_error');
        expect(error.error.param, what).toBe(param);
        expect(error.error.message).toContain(param);
        client.send({ type: 'chat', request_id: what, request: body });
        const frame = await client.end(what);
        expect(frame.type, what).toBe('error');
        if (frame.type === 'error') expect(frame.error.param, what).toBe(`request.${param}`);
      }
    } finally {
      client.close();
    }
  });

  it('accepts requests at the caps', async () => {
    const answer = await chat({
      model: 'glm-4.6',
      messages: many(CHAT_LIMITS.messages, () => ({ role: 'user', content: 'x' })),
      max_tokens: 64,
    });
    expect(answer.status).toBe(200);
  });
});

describe('the depth check', () => {
  it('three concurrent 8 MB flat-array bodies do not stall the event loop; a normal request is answered meanwhile', async () => {
    const flat = `[${Array.from({ length: 4_000_000 }, () => '1').join(',')}]`;
    const body = `{"model":"glm-4.6","messages":[{"role":"user","content":"hi","extra":${flat}}]}`;
    expect(body.length).toBeGreaterThan(8_000_000);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const answers = await Promise.all([chat(body), chat(body), chat(body), chat({ model: 'glm-4.6', messages: user })]);
    const elapsed = performance.now() - started;
    delay.disable();
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    // The server runs in this process: its longest stall is this loop's. The old check (a path
    // array per value) stalled ~10 s per body on this 2-core box (and the requests timed out);
    // parsing, sending and collecting 8 MB of JSON stalls it 0.6-1.5 s with no depth check at all.
    expect(
      delay.max / 1e6,
      `longest stall ${Math.round(delay.max / 1e6)} ms, all answered in ${Math.round(elapsed)} ms`,
    ).toBeLessThan(5_000);
  }, 120_000);

  it('still refuses a deep body with a 400 naming where it is too deep', async () => {
    const answer = await chat(
      `{"model":"glm-4.6","messages":[{"role":"user","content":"hi"}],"provider_options":{"x":${'['.repeat(100)}${']'.repeat(100)}}}`,
    );
    expect(answer.status).toBe(400);
    const error = (await answer.json()) as { error: { param: string } };
    expect(error.error.param).toMatch(/^provider_options\.x\[0\]/);
  });
});

describe('body limits', () => {
  it('the JSON limit (EXAI_MAX_BODY_BYTES) and the upload limit (EXAI_MAX_FILE_BYTES) are separate', async () => {
    const small = await startHarness({ env: { EXAI_MAX_BODY_BYTES: '2048', EXAI_MAX_FILE_BYTES: '65536' } });
    try {
      const headers = { authorization: `Bearer ${API_KEY}` };
      const big = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'x'.repeat(4_096) }] }),
      });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
      const form = new FormData();
      form.append('purpose', 'assistants');
      form.append('file', new Blob([Buffer.alloc(20_000, 65)]), 'twenty-kb.txt');
      const upload = await fetch(`${small.url}/v1/files`, { method: 'POST', headers, body: form });
      expect(upload.status, await upload.clone().text()).toBe(200);
      expect(((await upload.json()) as { bytes: number }).bytes).toBe(20_000);
    } finally {
      await small.close();
    }
  });
});
