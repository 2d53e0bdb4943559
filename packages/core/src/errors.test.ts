import { describe, expect, it } from 'vitest';
import {
  AuthError,
  CircuitOpenError,
  ContextLengthError,
  GatewayError,
  RateLimitedError,
  ServerError,
  toGatewayError,
} from './errors.js';
import { toOpenAIError } from './openai-error.js';

describe('typed errors', () => {
  it('carry code, status, retryability and provider fault', () => {
    const error = new RateLimitedError({ provider: 'glm', model: 'glm-4.6', retryAfterMs: 2000 });
    expect(error.code).toBe('rate_limited');
    expect(error.statusCode).toBe(429);
    expect(error.isRetryable).toBe(true);
    expect(error.isProviderFault).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.name).toBe('RateLimitedError');
    expect(new ContextLengthError().isRetryable).toBe(false);
    expect(new ContextLengthError().isProviderFault).toBe(false);
    expect(new CircuitOpenError().isProviderFault).toBe(false);
  });

  it('are recognised across duplicate package copies by their Symbol.for marker', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('exai.error')]: true, code: 'auth' });
    expect(GatewayError.isInstance(foreign)).toBe(true);
    expect(AuthError.isInstance(foreign)).toBe(true);
    expect(ServerError.isInstance(foreign)).toBe(false);
    expect(GatewayError.isInstance(new Error('plain'))).toBe(false);
  });

  it('wrap unknown failures and aborts', () => {
    expect(toGatewayError(new Error('boom')).code).toBe('server');
    const abort = new DOMException('aborted', 'AbortError');
    expect(toGatewayError(abort).code).toBe('cancelled');
  });

  it('become OpenAI error bodies without stacks or upstream bodies', () => {
    const error = new ContextLengthError({ message: 'too long', responseBody: 'secret upstream body' });
    const { status, body } = toOpenAIError(error);
    expect(status).toBe(400);
    expect(body.error).toEqual({
      message: 'too long',
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: null,
    });
    expect(JSON.stringify(body)).not.toContain('secret upstream body');
    expect(toOpenAIError(new Error('x')).status).toBe(502);
  });
});
