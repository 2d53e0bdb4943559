import type OpenAI from 'openai';
import type { APIError } from 'openai';

type Sdk = typeof import('openai');
let sdk: Sdk | undefined;
let loading: Promise<Sdk> | undefined;

/**
 * The OpenAI SDK, loaded on first use (files, the remote model list): chat and streams go through
 * undici (transport.ts), so a gateway that never lists models or files never holds the SDK in memory.
 */
export function loadSdk(): Promise<Sdk> {
  loading ??= import('openai').then((module) => {
    sdk = module;
    return module;
  });
  return loading;
}

/** The SDK if something has loaded it: its error classes can only be met once it is. */
export const loadedSdk = (): Sdk | undefined => sdk;

/** The largest delay a Node timer accepts; the SDK's own timeout is effectively off. */
const NO_TIMEOUT_MS = 2_147_483_647;

/**
 * The SDK keeps only `body.error` on its APIError; providers put their details elsewhere
 * (`base_resp`, a top-level `message`), so the whole parsed body is kept as `rawBody`.
 */
function gatewayClientClass({ OpenAI: Base }: Sdk) {
  return class GatewayOpenAIClient extends Base {
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
  };
}
let GatewayClient: ReturnType<typeof gatewayClientClass> | undefined;

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
export async function createClient(settings: ClientSettings): Promise<OpenAI> {
  GatewayClient ??= gatewayClientClass(await loadSdk());
  const defaultHeaders: Record<string, string | null> = { ...settings.headers };
  if (!settings.apiKey) defaultHeaders.Authorization = null;
  return new GatewayClient({
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
