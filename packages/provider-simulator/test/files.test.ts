import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Dialect, type Simulator, startSimulator } from '../src/index.js';
import type { Loose } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const headers = { authorization: 'Bearer k' };

function upload(dialect: Dialect, text: string, purpose: string, filename = 'notes.txt'): Promise<Response> {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', new Blob([text], { type: 'text/plain' }), filename);
  return fetch(`${sim.baseURL(dialect)}/files`, { method: 'POST', headers, body: form });
}

describe.each(['openai', 'glm', 'kimi', 'minimax'] as const)('%s files', (dialect) => {
  it('uploads, lists, gets, reads and deletes a file', async () => {
    const created = (await (await upload(dialect, 'hello file', 'batch')).json()) as Loose;
    expect(created).toMatchObject({ id: expect.any(String), bytes: 10, filename: 'notes.txt', purpose: 'batch' });
    const base = `${sim.baseURL(dialect)}/files`;
    const list = (await (await fetch(base, { headers })).json()) as Loose;
    expect(list.data.map((file: Loose) => file.id)).toEqual([created.id]);
    expect(((await (await fetch(`${base}/${created.id}`, { headers })).json()) as Loose).id).toBe(created.id);
    expect(await (await fetch(`${base}/${created.id}/content`, { headers })).text()).toBe('hello file');
    const deleted = (await (await fetch(`${base}/${created.id}`, { method: 'DELETE', headers })).json()) as Loose;
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    expect((await fetch(`${base}/${created.id}`, { headers })).status).toBe(404);
    expect(sim.log[0]).toMatchObject({
      method: 'POST',
      status: 200,
      body: { purpose: 'batch', filename: 'notes.txt', bytes: 10 },
    });
  });
});

describe('files', () => {
  it('returns Kimi file-extract content as extracted-text JSON', async () => {
    const created = (await (await upload('kimi', 'Revenue grew 12%.', 'file-extract', 'report.txt')).json()) as Loose;
    expect(created.status).toBe('ok');
    const response = await fetch(`${sim.baseURL('kimi')}/files/${created.id}/content`, { headers });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      content: 'Revenue grew 12%.',
      file_type: 'text/plain',
      filename: 'report.txt',
      title: '',
      type: 'file',
    });
  });

  it('keeps each dialect’s files apart, and reset forgets them', async () => {
    await upload('glm', 'g', 'agent');
    const kimiList = (await (await fetch(`${sim.baseURL('kimi')}/files`, { headers })).json()) as Loose;
    expect(kimiList.data).toEqual([]);
    sim.reset();
    const glmList = (await (await fetch(`${sim.baseURL('glm')}/files`, { headers })).json()) as Loose;
    expect(glmList.data).toEqual([]);
  });

  it('rejects uploads without a file or without auth', async () => {
    const form = new FormData();
    form.append('purpose', 'file-extract');
    const missing = await fetch(`${sim.baseURL('kimi')}/files`, { method: 'POST', headers, body: form });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as Loose).error.type).toBe('invalid_request_error');
    const unauthorized = await fetch(`${sim.baseURL('kimi')}/files`, { method: 'POST', body: form });
    expect(unauthorized.status).toBe(401);
  });

  it('applies a header scenario to file calls too', async () => {
    const response = await fetch(`${sim.baseURL('openai')}/files`, {
      headers: { ...headers, 'x-sim-scenario': 'http-503' },
    });
    expect(response.status).toBe(503);
    expect(sim.log[0]).toMatchObject({ scenario: 'http-503', status: 503 });
  });

  it('answers unknown endpoints with 404', async () => {
    expect((await fetch(`${sim.url}/nowhere`, { headers })).status).toBe(404);
    expect((await fetch(`${sim.baseURL('kimi')}/web_search`, { method: 'POST', headers, body: '{}' })).status).toBe(
      404,
    );
  });
});
