import { GatewayError, toGatewayError } from './errors.js';

/** OpenAI's error body: what any OpenAI SDK expects from a failed request. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

const typeByCode: Record<string, string> = {
  auth: 'authentication_error',
  bad_request: 'invalid_request_error',
  not_found: 'invalid_request_error',
  context_length: 'invalid_request_error',
  content_filter: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  queue_full: 'rate_limit_error',
  budget_exceeded: 'insufficient_quota',
  cancelled: 'cancelled',
};

/** Turns any failure into a status and an OpenAI-shaped body, with no stack or upstream body. */
export function toOpenAIError(error: unknown): { status: number; body: OpenAIErrorBody } {
  const gatewayError = GatewayError.isInstance(error) ? error : toGatewayError(error);
  const code =
    gatewayError.code === 'context_length'
      ? 'context_length_exceeded'
      : gatewayError.code === 'not_found' && gatewayError.param === 'model'
        ? 'model_not_found'
        : gatewayError.code;
  return {
    status: gatewayError.statusCode,
    body: {
      error: {
        message: gatewayError.message,
        type: typeByCode[gatewayError.code] ?? 'api_error',
        code,
        param: gatewayError.param ?? null,
      },
    },
  };
}
