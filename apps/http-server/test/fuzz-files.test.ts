import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectNames,
  expectNoLeak,
  expectOpenAIError,
  FUZZ_RUNS,
  FUZZ_TEST_TIMEOUT_MS,
  send,
  useFuzzRoute,
} from './fuzz-helpers.js';

/**
 * `POST /v1/files` under generated uploads: names with path separators, unicode, NUL and great
 * length; sizes from 0 to past the limit; any content type; missing fields; broken multipart.
 * An accepted file reads back byte for byte (with a safe download header); every refusal is a
 * 4xx in OpenAI's shape naming the field; never a 5xx, a stack trace or a hang.
 */

const MAX_FILE_BYTES = 2_048;
const route = useFuzzRoute('/v1/files', { env: { EXAI_MAX_FILE_BYTES: String(MAX_FILE_BYTES) } });

const fileName = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '../../etc/passwd',
    '..\\..\\boot.ini',
    '/abs/path.txt',
    'a\u0000b.txt',
    'x'.repeat(5_000),
    'report "final".pdf',
    'line\r\nbreak.txt',
    '',
    '.',
    '..',
    'CON',
    '😀.md',
    'ｆｕｌｌ.txt',
    '\u202egnp.exe',
  ),
  fc
    .array(fc.constantFrom('/', '\\', '..', 'a', 'é', '\u0000', '%2F'), { minLength: 1, maxLength: 20 })
    .map((parts) => parts.join('')),
);
const mimeType = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'application/pdf',
    'image/png',
    'application/octet-stream',
    'application/json; charset=utf-8',
    '',
  ),
  fc.stringMatching(/^[a-z]{1,8}\/[a-z0-9+.-]{1,12}$/),
);
const purpose = fc.oneof(
  fc.constantFrom('assistants', 'user_data', 'batch', 'fine-tune'),
  fc.string({ maxLength: 80 }),
);
const size = fc.oneof(
  fc.integer({ min: 0, max: MAX_FILE_BYTES }),
  fc.integer({ min: MAX_FILE_BYTES + 1, max: MAX_FILE_BYTES * 4 }),
  fc.constantFrom(0, MAX_FILE_BYTES, MAX_FILE_BYTES + 1),
);

const bytesOf = (length: number, seed: number) => {
  const data = new Uint8Array(length);
  for (let index = 0; index < length; index += 1) data[index] = (seed + index * 31) & 0xff;
  return data;
};

describe('file upload fuzzing', { timeout: FUZZ_TEST_TIMEOUT_MS }, () => {
  it('well-formed uploads: accepted and read back byte for byte, or refused naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fileName,
        mimeType,
        purpose,
        size,
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        async (name, type, purposeValue, length, seed, withPurpose) => {
          const data = bytesOf(length, seed);
          const form = new FormData();
          if (withPurpose) form.append('purpose', purposeValue);
          form.append('file', new Blob([data], type ? { type } : {}), name);
          const answer = await send(route.url, { method: 'POST', body: form });
          expectNoLeak(answer.text);
          if (answer.status !== 200) {
            const error = expectOpenAIError(answer.status, answer.text);
            if (name === '') {
              // An empty file name makes the part a plain field (what a browser sends for "no file chosen").
              expect([400, 413]).toContain(answer.status);
              expectNames(error, /file|purpose/i);
            } else if (length > MAX_FILE_BYTES) {
              expect(answer.status).toBe(413);
              expectNames(error, /file|EXAI_MAX_FILE_BYTES/);
            } else {
              expect(answer.status, answer.text).toBe(400);
              expectNames(error, 'purpose');
            }
            return;
          }
          expect(length).toBeLessThanOrEqual(MAX_FILE_BYTES);
          const file = JSON.parse(answer.text) as { id: string; bytes: number; filename: string; purpose: string };
          expect(file.bytes).toBe(length);
          expect(typeof file.filename).toBe('string');
          const content = await fetch(`${route.url}/${encodeURIComponent(file.id)}/content`, {
            signal: AbortSignal.timeout(5_000),
          });
          expect(content.status, await content.clone().text()).toBe(200);
          expect(new Uint8Array(await content.arrayBuffer())).toEqual(data);
          const disposition = content.headers.get('content-disposition') ?? '';
          expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]*$/);
          if (!/[\uD800-\uDFFF]/.test(file.filename))
            expect(decodeURIComponent(disposition.split("''")[1]!)).toBe(file.filename);
          const listing = await send(`${route.url}/${encodeURIComponent(file.id)}`, { method: 'GET' });
          expect(listing.status).toBe(200);
          expect(JSON.parse(listing.text)).toMatchObject({ id: file.id, bytes: length });
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('missing fields, extra files, wrong content types and broken multipart: a 4xx naming the problem', async () => {
    const boundary = 'fuzzboundary';
    const part = (headers: string, body: string) => `--${boundary}\r\n${headers}\r\n\r\n${body}\r\n`;
    const raw = fc.oneof(
      fc.constant([
        `multipart/form-data; boundary=${boundary}`,
        `${part('content-disposition: form-data; name="purpose"', 'assistants')}--${boundary}--\r\n`,
        'file',
      ] as const),
      fc.constant([
        `multipart/form-data; boundary=${boundary}`,
        `${part('content-disposition: form-data; name="other"; filename="a.txt"', 'x')}--${boundary}--\r\n`,
        'file',
      ] as const),
      fc.constant([
        `multipart/form-data; boundary=${boundary}`,
        `${part('content-disposition: form-data; name="file"; filename="a.txt"', 'x')}${part('content-disposition: form-data; name="file"; filename="b.txt"', 'y')}--${boundary}--\r\n`,
        /file/,
      ] as const),
      fc
        .string({ maxLength: 200 })
        .map(
          (junk) => [`multipart/form-data; boundary=${boundary}`, junk, /file|multipart|part|boundary|form/i] as const,
        ),
      fc
        .string({ maxLength: 200 })
        .map(
          (junk) =>
            [
              `multipart/form-data; boundary=${boundary}`,
              `${part('content-disposition: form-data; name="file"; filename="a.txt"', junk)}`,
              /file|multipart|part|boundary|form|end/i,
            ] as const,
        ),
      fc
        .string({ maxLength: 120 })
        .map(
          (headers) =>
            [
              `multipart/form-data; boundary=${boundary}`,
              `${part(headers, 'x')}--${boundary}--\r\n`,
              /file|multipart|part|header|disposition|form/i,
            ] as const,
        ),
      fc.constant([
        'multipart/form-data',
        `${part('content-disposition: form-data; name="file"; filename="a.txt"', 'x')}--${boundary}--\r\n`,
        /boundary|multipart|file/i,
      ] as const),
      fc
        .constantFrom('application/json', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded')
        .map((type) => [type, 'file=abc', /file|multipart|JSON|body/i] as const),
    );
    await fc.assert(
      fc.asyncProperty(raw, async ([type, body, named]) => {
        const answer = await send(route.url, { method: 'POST', headers: { 'content-type': type }, body });
        expectNoLeak(answer.text);
        const error = expectOpenAIError(answer.status, answer.text);
        expectNames(error, named);
      }),
      { numRuns: Math.max(100, Math.floor(FUZZ_RUNS / 2)) },
    );
  });

  it('still accepts a normal upload afterwards, with no unhandled rejection', async () => {
    const form = new FormData();
    form.append('purpose', 'assistants');
    form.append('file', new Blob(['hello']), 'hello.txt');
    const answer = await send(route.url, { method: 'POST', body: form });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ bytes: 5, filename: 'hello.txt', purpose: 'assistants' });
    expect(route.problems).toEqual([]);
  });
});
