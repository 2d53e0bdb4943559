import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { beforeSuite, json, post, startGateway, startTwoOnPostgres, type TestGateway, waitFor } from './helpers.js';

/** `background: true`: queued at once, polled with GET, cancelled with POST .../cancel (aborting upstream). */

const A = `sk-bg-a-${randomUUID()}`;
const B = `sk-bg-b-${randomUUID()}`;
const sdk = (gateway: TestGateway, key = A) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });

/** Polls like a client would, until the response leaves `queued`/`in_progress`. */
async function settled(client: OpenAI, id: string): Promise<OpenAI.Responses.Response> {
  let response = await client.responses.retrieve(id);
  const deadline = Date.now() + 20_000;
  while ((response.status === 'queued' || response.status === 'in_progress') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    response = await client.responses.retrieve(id);
  }
  return response;
}

/** The chat attempt of a scripted `no-response` is in the simulator's log as soon as it arrives. */
const upstreamArrived =
  (gateway: TestGateway, after = 0) =>
  () =>
    gateway.sim.log.slice(after).some((row) => row.path.endsWith('/chat/completions'));
const upstreamHungUp = (gateway: TestGateway) => () =>
  gateway.sim.log.some((row) => row.path.endsWith('/chat/completions') && row.clientHungUp);

describe('background responses (one gateway, two keys)', () => {
  const gateway = beforeSuite(() => startGateway({ env: { EXAI_API_KEYS: `${A},${B}` } }));
  beforeEach(() => gateway().sim.reset());

  it('answers queued at once, then completes; retrieve shows the answer', async () => {
    const client = sdk(gateway());
    const created = await client.responses.create({ model: 'glm-4.6', input: 'Say hi later', background: true });
    expect(created).toMatchObject({ object: 'response', background: true, status: 'queued', output: [] });
    const done = await settled(client, created.id);
    expect(done).toMatchObject({ id: created.id, status: 'completed', background: true });
    expect(done.output_text).toContain('Say hi later');
    expect(done.usage?.input_tokens).toBeGreaterThan(0);
    // A finished background response is continued like any other.
    const next = await client.responses.create({ model: 'glm-4.6', input: 'And?', previous_response_id: created.id });
    expect(next.status).toBe('completed');
  });

  it('cancel aborts the upstream call; the response stays cancelled', async () => {
    gateway().sim.script('glm-4.6', 'no-response');
    const client = sdk(gateway());
    const created = await client.responses.create({ model: 'glm-4.6', input: 'Never answered', background: true });
    await waitFor(upstreamArrived(gateway()), 10_000, 'the upstream call');
    expect((await client.responses.retrieve(created.id)).status).toBe('in_progress');
    // Another key cannot see or cancel it.
    await expect(sdk(gateway(), B).responses.cancel(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const cancelled = await client.responses.cancel(created.id);
    expect(cancelled).toMatchObject({ id: created.id, status: 'cancelled' });
    await waitFor(upstreamHungUp(gateway()), 10_000, 'the upstream call to be aborted');
    expect((await client.responses.retrieve(created.id)).status).toBe('cancelled');
    // Cancelling again answers the cancelled response; continuing from it is refused.
    expect((await client.responses.cancel(created.id)).status).toBe('cancelled');
    const continued = await client.responses
      .create({ model: 'glm-4.6', input: 'x', previous_response_id: created.id })
      .catch((error: unknown) => error);
    expect(continued).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("refuses what it cannot do in OpenAI's error shape", async () => {
    const headers = { authorization: `Bearer ${A}` };
    const plain = await sdk(gateway()).responses.create({ model: 'glm-4.6', input: 'now' });
    const inBackground = (extra: Record<string, unknown>) =>
      post(`${gateway().url}/v1/responses`, { model: 'glm-4.6', input: 'x', background: true, ...extra }, headers);
    const cases: Array<[string, Promise<Response>, number, string]> = [
      [
        'cancel a foreground response',
        post(`${gateway().url}/v1/responses/${plain.id}/cancel`, {}, headers),
        400,
        'response_id',
      ],
      ['cancel an unknown id', post(`${gateway().url}/v1/responses/resp_nope/cancel`, {}, headers), 404, 'response_id'],
      ['background with stream', inBackground({ stream: true }), 400, 'stream'],
      ['background with store: false', inBackground({ store: false }), 400, 'store'],
    ];
    for (const [name, pending, status, param] of cases) {
      const response = await pending;
      expect(response.status, name).toBe(status);
      expect((await json(response)).error, name).toMatchObject({ type: 'invalid_request_error', param });
    }
  });
});

describe('background responses across two instances (Postgres)', () => {
  const pair = beforeSuite(() => startTwoOnPostgres('background'));

  it('a response started on one instance is polled and cancelled on the other, which stops its upstream call', async () => {
    const finished = await sdk(pair().one).responses.create({ model: 'glm-4.6', input: 'Quick one', background: true });
    expect((await settled(sdk(pair().two), finished.id)).status).toBe('completed');

    pair().one.sim.script('glm-4.6', 'no-response');
    const calls = pair().one.sim.log.length; // the quick one's call is already in the log
    const created = await sdk(pair().one).responses.create({ model: 'glm-4.6', input: 'Slow one', background: true });
    await waitFor(upstreamArrived(pair().one, calls), 10_000, 'the upstream call');
    // The other instance reads the row: in progress once the running instance has marked it (a store write).
    await waitFor(
      async () => (await sdk(pair().two).responses.retrieve(created.id)).status === 'in_progress',
      10_000,
      'in_progress on the other instance',
    );
    expect((await sdk(pair().two).responses.cancel(created.id)).status).toBe('cancelled');
    // The instance running it sees the cancel at its next look at the store and aborts upstream.
    await waitFor(upstreamHungUp(pair().one), 10_000, 'the upstream call to be aborted');
    expect((await sdk(pair().one).responses.retrieve(created.id)).status).toBe('cancelled');
  });
});
