import type { Dispatcher } from 'undici';

/** What the adapter needs from one upstream HTTP exchange. */
export interface UpstreamResponse {
  status: number;
  headers: Headers;
  /** The body as bytes, read once: either this or `text()`. */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** Releases the connection without reading the rest of the body. */
  discard(): void;
}

export type Transport = (
  url: string,
  init: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string; signal?: AbortSignal | undefined },
) => Promise<UpstreamResponse>;

/**
 * The chat hot path's HTTP client. By default undici's `request` on a keep-alive agent of the
 * adapter's own: measured, it costs a fraction of the SDK's `fetch` path per call (see decision
 * 0012). A custom `fetch` (tests, proxies) is honoured as given.
 */
export function createTransport(customFetch?: typeof globalThis.fetch): Transport {
  if (customFetch) {
    return async (url, init) => {
      const response = await customFetch(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      const body = response.body;
      return {
        status: response.status,
        headers: response.headers,
        body: body ?? emptyBody(),
        text: () => response.text(),
        discard: () => void body?.cancel().catch(() => undefined),
      };
    };
  }
  // undici is loaded on the first request, not at import: it costs ~60 ms of start-up, which an
  // MCP server started per client session should not pay before it can list its tools.
  type Client = { dispatcher: Dispatcher; request: typeof import('undici').request };
  let loading: Promise<Client> | undefined;
  let loaded: Client | undefined;
  const load = () => {
    loading ??= import('undici').then(({ Agent, request }) => {
      loaded = {
        dispatcher: new Agent({
          keepAliveTimeout: 10_000,
          keepAliveMaxTimeout: 60_000,
          connections: 256,
          pipelining: 1,
        }),
        request,
      };
      return loaded;
    });
    return loading;
  };
  return async (url, init) => {
    const { dispatcher, request } = loaded ?? (await load());
    const response = await request(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
      dispatcher,
    });
    let headers: Headers | undefined;
    return {
      status: response.statusCode,
      get headers() {
        headers ??= toHeaders(response.headers);
        return headers;
      },
      body: response.body,
      text: () => response.body.text(),
      discard: () => response.body.destroy(),
    };
  };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
