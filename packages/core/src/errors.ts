/**
 * Typed errors. Every failure the gateway reports is a `GatewayError` with a stable `code`,
 * an HTTP-ish `statusCode`, an `isRetryable` flag and the provider/model it concerns.
 * The `Symbol.for` marker lets `isInstance()` work across duplicate package copies.
 */

const MARKER = Symbol.for('exai.error');

export type ErrorCode =
  | 'auth'
  | 'upstream_auth'
  | 'upstream_billing'
  | 'bad_request'
  | 'not_found'
  | 'context_length'
  | 'content_filter'
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'network'
  | 'stream_interrupted'
  | 'circuit_open'
  | 'queue_full'
  | 'store_unavailable'
  | 'budget_exceeded'
  | 'cancelled';

export interface GatewayErrorOptions {
  message?: string;
  provider?: string;
  model?: string;
  statusCode?: number;
  cause?: unknown;
  /** A raw response body, kept for diagnostics; never shown to callers verbatim if it may hold secrets. */
  responseBody?: string;
  /** Milliseconds the upstream asked us to wait (rate_limited, overloaded). */
  retryAfterMs?: number;
  /** Field the caller got wrong, for bad_request. */
  param?: string;
}

interface CodeInfo {
  status: number;
  retryable: boolean;
  /** Whether this failure says something about the provider's health (counts for breakers). */
  providerFault: boolean;
  text: string;
}

export const ERROR_CODES: Readonly<Record<ErrorCode, CodeInfo>> = {
  auth: { status: 401, retryable: false, providerFault: false, text: 'Authentication failed' },
  // The provider refused the gateway's own key (revoked, wrong, no permission) or balance. The caller's
  // request is fine: never 401/403 (those belong to the caller's gateway key); the router fails over at
  // once and the key is held out (credential holds), so these do not count toward the health breaker.
  upstream_auth: {
    status: 502,
    retryable: false,
    providerFault: false,
    text: "The provider rejected the gateway's credentials",
  },
  upstream_billing: {
    status: 502,
    retryable: false,
    providerFault: false,
    text: "The provider refused the gateway's account (balance or quota)",
  },
  bad_request: { status: 400, retryable: false, providerFault: false, text: 'Bad request' },
  not_found: { status: 404, retryable: false, providerFault: false, text: 'Not found' },
  context_length: { status: 400, retryable: false, providerFault: false, text: 'Context length exceeded' },
  content_filter: { status: 400, retryable: false, providerFault: false, text: 'Blocked by content filter' },
  rate_limited: { status: 429, retryable: true, providerFault: true, text: 'Rate limited' },
  overloaded: { status: 503, retryable: true, providerFault: true, text: 'Provider overloaded' },
  server: { status: 502, retryable: true, providerFault: true, text: 'Provider server error' },
  timeout: { status: 504, retryable: true, providerFault: true, text: 'Timed out' },
  network: { status: 502, retryable: true, providerFault: true, text: 'Network error' },
  stream_interrupted: { status: 502, retryable: true, providerFault: true, text: 'Stream interrupted' },
  circuit_open: { status: 503, retryable: true, providerFault: false, text: 'Circuit open' },
  queue_full: { status: 429, retryable: true, providerFault: false, text: 'Queue full' },
  // The gateway's own database or shared state failed: not the provider's fault, and retryable.
  store_unavailable: {
    status: 503,
    retryable: true,
    providerFault: false,
    text: "The gateway's store is unavailable; retry shortly",
  },
  // The caller's key has spent its budget for the period: refused before any provider call.
  budget_exceeded: {
    status: 429,
    retryable: false,
    providerFault: false,
    text: "This API key's budget is spent",
  },
  cancelled: { status: 499, retryable: false, providerFault: false, text: 'Cancelled' },
};

export class GatewayError extends Error {
  readonly [MARKER] = true;
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly isRetryable: boolean;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly responseBody: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly param: string | undefined;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const info = ERROR_CODES[code];
    super(options.message ?? info.text, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = errorName(code);
    this.code = code;
    this.statusCode = options.statusCode ?? info.status;
    this.isRetryable = info.retryable;
    this.provider = options.provider;
    this.model = options.model;
    this.responseBody = options.responseBody;
    this.retryAfterMs = options.retryAfterMs;
    this.param = options.param;
  }

  /** True when this failure reflects the provider's health (429, 5xx, timeout, network, cut stream). */
  get isProviderFault(): boolean {
    return ERROR_CODES[this.code].providerFault;
  }

  static isInstance(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  /** A plain object safe to send to a caller: no stack, no response body. */
  toJSON(): {
    code: ErrorCode;
    message: string;
    statusCode: number;
    provider?: string;
    model?: string;
    retryAfterMs?: number;
    param?: string;
  } {
    return {
      code: this.code,
      message: this.message,
      statusCode: this.statusCode,
      ...(this.provider ? { provider: this.provider } : {}),
      ...(this.model ? { model: this.model } : {}),
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.param ? { param: this.param } : {}),
    };
  }
}

function errorName(code: ErrorCode): string {
  return `${code
    .split('_')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('')}Error`;
}

type Options = Omit<GatewayErrorOptions, never>;

function define(code: ErrorCode) {
  return class extends GatewayError {
    constructor(options: Options = {}) {
      super(code, options);
    }
    static override isInstance(value: unknown): value is GatewayError {
      return GatewayError.isInstance(value) && value.code === code;
    }
  };
}

export const AuthError = define('auth');
export const UpstreamAuthError = define('upstream_auth');
export const UpstreamBillingError = define('upstream_billing');

/** True for the provider's refusal of the gateway's own key or account (`upstream_auth`, `upstream_billing`). */
export function isCredentialFailure(error: { code: ErrorCode }): boolean {
  return error.code === 'upstream_auth' || error.code === 'upstream_billing';
}
export const BadRequestError = define('bad_request');
export const NotFoundError = define('not_found');
export const ContextLengthError = define('context_length');
export const ContentFilterError = define('content_filter');
export const RateLimitedError = define('rate_limited');
export const OverloadedError = define('overloaded');
export const ServerError = define('server');
export const TimeoutError = define('timeout');
export const NetworkError = define('network');
export const StreamInterruptedError = define('stream_interrupted');
export const CircuitOpenError = define('circuit_open');
export const QueueFullError = define('queue_full');
export const StoreUnavailableError = define('store_unavailable');
export const CancelledError = define('cancelled');
export const BudgetExceededError = define('budget_exceeded');

/** Wrap anything thrown into a GatewayError (unknown failures become `server`, aborts `cancelled`). */
export function toGatewayError(error: unknown, context: { provider?: string; model?: string } = {}): GatewayError {
  if (GatewayError.isInstance(error)) return error;
  if (error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR')) {
    return new GatewayError('cancelled', { ...context, cause: error, message: 'The request was cancelled' });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError('server', { ...context, cause: error, message });
}
