import OpenAI, { type APIError } from 'openai';

/** The largest delay a Node timer accepts; the SDK's own timeout is effectively off. */
const NO_TIMEOUT_MS = 2_147_483_647;

/**
 * The SDK keeps only `body.error` on its APIError; providers put their details elsewhere
 * (`base_resp`, a top-level `message`), so the whole parsed body is kept as `rawBody`.
 */
class GatewayOpenAIClient extends OpenAI {
  protected override makeStatusError(
    status: number,
    error: object,
    message: string | undefined,
    headers: Headers,
  ): APIError {
    const apiError = super.makeStatusError(status, error, message, headers);
    Object.defineProperty(apiError, 'rawBody', { value: error ?? message, enumerable: false });
    return apiError;
  }
}

export interface ClientSettings {
  baseURL: string;
  apiKey?: string | undefined;
  headers?: Record<string, string> | undefined;
  fetch?: typeof globalThis.fetch | undefined;
}

/**
 * An SDK client with retries off, no timeout of its own, no logging and nothing read from
 * `OPENAI_*` environment variables (organization, project, admin key): every value is explicit.
 * Without an API key no Authorization header is sent (local servers such as Ollama).
 */
export function createClient(settings: ClientSettings): OpenAI {
  const defaultHeaders: Record<string, string | null> = { ...settings.headers };
  if (!settings.apiKey) defaultHeaders.Authorization = null;
  return new GatewayOpenAIClient({
    apiKey: settings.apiKey || 'no-key',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: settings.baseURL,
    maxRetries: 0,
    timeout: NO_TIMEOUT_MS,
    logLevel: 'off',
    defaultHeaders,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  });
}
