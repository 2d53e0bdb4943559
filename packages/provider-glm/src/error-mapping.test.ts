import { GatewayError } from '@exai/core';
import { describe, expect, it } from 'vitest';
import { citationsFromCompletion, toCitations } from './citations.js';
import { mapGlmError } from './error-mapping.js';

const glmBody = (code: string, message = 'upstream says no') => ({ error: { code, message } });

describe('mapGlmError', () => {
  it.each([
    ['1261', 400, 'context_length'],
    ['1301', 400, 'content_filter'],
    ['1302', 429, 'rate_limited'],
    ['1303', 429, 'rate_limited'],
    ['1305', 429, 'rate_limited'],
    ['1113', 429, 'upstream_billing'],
    ['1000', 401, 'upstream_auth'],
    ['1002', 401, 'upstream_auth'],
    ['1211', 400, 'not_found'],
    ['1214', 400, 'bad_request'],
    ['500', 500, 'server'],
  ])('maps GLM code %s (HTTP %i) to %s', (code, status, expected) => {
    const error = mapGlmError({ status, body: glmBody(code), model: 'glm-4.6' });
    expect(GatewayError.isInstance(error)).toBe(true);
    expect(error.code).toBe(expected);
    expect(error.provider).toBe('glm');
    expect(error.model).toBe('glm-4.6');
  });

  it('reads Retry-After on rate limits', () => {
    const error = mapGlmError({ status: 429, body: glmBody('1302'), headers: new Headers({ 'retry-after': '3' }) });
    expect(error.retryAfterMs).toBe(3000);
    expect(error.isRetryable).toBe(true);
  });

  it('maps a GLM error inside a 200 stream (status 0) by its code', () => {
    expect(mapGlmError({ status: 0, body: glmBody('1301') }).code).toBe('content_filter');
  });

  it('marks a missing model with param model and balance problems as non-retryable', () => {
    expect(mapGlmError({ status: 400, body: glmBody('1211') }).param).toBe('model');
    const balance = mapGlmError({ status: 429, body: glmBody('1113') });
    expect(balance.isRetryable).toBe(false);
    expect(balance.statusCode).toBe(502);
  });

  it('falls back to the HTTP status when the body is not GLM-shaped', () => {
    expect(mapGlmError({ status: 503, body: 'Service Unavailable' }).code).toBe('overloaded');
    expect(mapGlmError({ status: 401, body: '' }).code).toBe('upstream_auth');
    expect(mapGlmError({ status: 400, body: { error: { message: 'prompt is too long for this model' } } }).code).toBe(
      'context_length',
    );
  });
});

describe('GLM citations', () => {
  it('maps search results to citations and skips results without a link', () => {
    const citations = toCitations([
      {
        title: 'A',
        content: 'snippet a',
        link: 'https://a.example',
        media: 'Example',
        publish_date: '2026-01-02',
        icon: 'x',
      },
      { title: 'no link' },
    ]);
    expect(citations).toEqual([
      { url: 'https://a.example', title: 'A', snippet: 'snippet a', source: 'Example', published: '2026-01-02' },
    ]);
  });

  it('reads the top-level web_search array of a completion', () => {
    expect(citationsFromCompletion({ web_search: [{ link: 'https://b.example', title: 'B' }] })).toEqual([
      { url: 'https://b.example', title: 'B' },
    ]);
    expect(citationsFromCompletion({ choices: [] })).toEqual([]);
  });
});
