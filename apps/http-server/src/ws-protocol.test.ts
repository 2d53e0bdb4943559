import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  clientFrameSchema,
  clientFrameTypes,
  parseClientFrame,
  serverFrameSchema,
  serverFrameTypes,
} from './ws-protocol.js';

/**
 * docs/websocket-protocol.md and src/ws-protocol.ts say the same thing: every frame type has a
 * heading and a JSON example under its direction, every example parses, nothing is missing.
 */

const doc = readFileSync(fileURLToPath(new URL('../../../docs/websocket-protocol.md', import.meta.url)), 'utf8');

/** `### \`type\`` headings under a `## ...` section, each with the first ```json block after it. */
function documentedFrames(section: string): Map<string, unknown> {
  const start = doc.indexOf(`## ${section}`);
  expect(start, `section "${section}" in the doc`).toBeGreaterThan(-1);
  const rest = doc.slice(start + 3);
  const end = rest.search(/^## /m);
  const text = end === -1 ? rest : rest.slice(0, end);
  const frames = new Map<string, unknown>();
  for (const match of text.matchAll(/^### `([a-z_]+)`\n([\s\S]*?)(?=^### |$(?![\s\S]))/gm)) {
    const json = /```json\n([\s\S]*?)```/.exec(match[2] ?? '');
    frames.set(match[1]!, json ? JSON.parse(json[1]!) : undefined);
  }
  return frames;
}

describe('websocket protocol doc ↔ schemas', () => {
  const client = documentedFrames('Client frames');
  const server = documentedFrames('Server frames');

  it('documents exactly the frame types the schemas accept', () => {
    expect([...client.keys()].sort()).toEqual([...clientFrameTypes].sort());
    expect([...server.keys()].sort()).toEqual([...serverFrameTypes].sort());
    // The exported type lists are the schemas' own options.
    expect(clientFrameSchema.options.map((option) => option.shape.type.value).sort()).toEqual(
      [...clientFrameTypes].sort(),
    );
    expect(serverFrameSchema.options.map((option) => option.shape.type.value).sort()).toEqual(
      [...serverFrameTypes].sort(),
    );
  });

  it.each([...client.entries()])('client example for %s parses and has that type', (type, example) => {
    expect(example, `a json example under ${type}`).toBeDefined();
    const parsed = clientFrameSchema.parse(example);
    expect(parsed.type).toBe(type);
    expect(parseClientFrame(JSON.stringify(example))).toMatchObject({ ok: true });
  });

  it.each([...server.entries()])('server example for %s parses and has that type', (type, example) => {
    expect(example, `a json example under ${type}`).toBeDefined();
    expect(serverFrameSchema.parse(example).type).toBe(type);
  });

  it('documents every close code the server uses', () => {
    for (const code of [1001, 1009, 4401, 4408]) expect(doc).toMatch(new RegExp(`\\| ${code} \\|`));
  });

  it('names the bad field of a malformed frame', () => {
    expect(parseClientFrame('{"type":"cancel"}')).toMatchObject({
      ok: false,
      error: { param: 'request_id', code: 'bad_request' },
    });
    expect(parseClientFrame('{"type":"chat","request_id":"a","request":{"model":"glm","messages":[]}}')).toMatchObject({
      ok: false,
      requestId: 'a',
      error: { param: 'request.messages' },
    });
  });
});
