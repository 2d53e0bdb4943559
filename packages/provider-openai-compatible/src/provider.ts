import {
  BadRequestError,
  type CallOptions,
  type ChatChunk,
  type ChatRequest,
  type ChatResponse,
  type ModelInfo,
  type ProviderAdapter,
  registerSecret,
  safeProviderOptions,
} from '@exai/core';
import type OpenAI from 'openai';
import { createClient } from './client.js';
import { embedWith } from './embeddings.js';
import { type MappingContext, mapUpstreamFailure, toProviderError } from './error-mapping.js';
import { createFilesApi } from './files.js';
import { createModelCatalog } from './model-catalog.js';
import { normalizeCompletion } from './normalize.js';
import { prepareRequestBody } from './request-body.js';
import { type RawCompletion, readCompletion } from './schemas.js';
import { readChatStream } from './stream.js';
import { createTransport, type UpstreamResponse } from './transport.js';
import type { OpenAICompatibleSettings, ResponseContext } from './types.js';

/** JSON when it parses, the text otherwise (error bodies are not always JSON). */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function requestOptions(
  signal: AbortSignal | undefined,
  headers: Record<string, string> | undefined,
): OpenAI.RequestOptions {
  const options: OpenAI.RequestOptions = {};
  if (signal) options.signal = signal;
  if (headers) options.headers = headers;
  return options;
}

/** An AbortController that follows the caller's signal; aborting it tears the connection down. */
function linkedController(signal: AbortSignal | undefined): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController();
  if (!signal) return { controller, unlink: () => {} };
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  return { controller, unlink: () => signal.removeEventListener('abort', forward) };
}

/**
 * A ProviderAdapter for any OpenAI-compatible Chat Completions endpoint: chat and streams on undici's
 * `request` (decision 0012), files and `/models` on the `openai` SDK with its retries and timeout off.
 * Providers differ only in the hooks of `settings`.
 */
export function createOpenAICompatibleProvider(settings: OpenAICompatibleSettings): ProviderAdapter {
  if (!settings.baseURL) throw new TypeError(`provider ${settings.id}: baseURL is required`);
  // Several keys rotate (`CallOptions.keyIndex`); the SDK client (files, models) uses the first.
  const keys =
    settings.apiKeys && settings.apiKeys.length > 0 ? [...settings.apiKeys] : settings.apiKey ? [settings.apiKey] : [];
  for (const key of keys) registerSecret(key);
  const id = settings.id;
  const baseURL = settings.baseURL.replace(/\/+$/, '');
  const catalog = (settings.catalog ?? createModelCatalog([])).withProvider(id);
  // Created on first use (files, the remote model list), which is also when the SDK is loaded.
  let sdkClient: Promise<OpenAI> | undefined;
  const client = () =>
    (sdkClient ??= createClient({ baseURL, apiKey: keys[0], headers: settings.headers, fetch: settings.fetch }));
  const keyAt = (index: number | undefined): string | undefined => keys[index ?? 0] ?? keys[0];
  const includeStreamUsage = settings.includeStreamUsage ?? true;

  const mappingFor = (
    model: string | undefined,
    signal: AbortSignal | undefined,
    keyIndex?: number,
  ): MappingContext => ({
    provider: id,
    model,
    apiKey: keyAt(keyIndex),
    errorStructure: settings.errorStructure,
    signal,
  });

  /**
   * Shapes and serializes the request. Anything that fails here is the request's fault (say, a
   * body nested too deep to serialize), so it is a `bad_request`: it must never count against
   * the provider's breaker.
   */
  const shape = (request: ChatRequest, model: ModelInfo, stream: boolean): string => {
    try {
      const body = prepareRequestBody(request, { model, stream, includeStreamUsage });
      const shaped = settings.transformRequest
        ? settings.transformRequest(body, { provider: id, model, stream, request })
        : body;
      if (settings.providerOptionsLast && request.provider_options)
        Object.assign(shaped, safeProviderOptions(request.provider_options));
      return JSON.stringify(shaped);
    } catch (error) {
      throw new BadRequestError({
        provider: id,
        model: model.id,
        message: `${id}: the request could not be prepared (${error instanceof Error ? error.message : String(error)})`,
        cause: error,
      });
    }
  };

  const transport = createTransport(settings.fetch);
  const completionsURL = `${baseURL}/chat/completions`;
  // One header object per key, built once (the hot path spreads nothing when no per-call header is given).
  const headersFor = (key: string | undefined): Record<string, string> => ({
    'content-type': 'application/json',
    accept: 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...settings.headers,
  });
  const keyHeaders = keys.length > 0 ? keys.map(headersFor) : [headersFor(undefined)];
  const headersAt = (index: number | undefined): Record<string, string> => keyHeaders[index ?? 0] ?? keyHeaders[0]!;

  /**
   * POSTs the shaped body (to `/chat/completions` unless `url` says); a non-2xx answer becomes the provider's typed
   * error.
   */
  async function post(
    body: string,
    options: CallOptions,
    signal: AbortSignal | undefined,
    mapping: MappingContext,
    url = completionsURL,
  ): Promise<UpstreamResponse> {
    let response: UpstreamResponse;
    try {
      response = await transport(url, {
        method: 'POST',
        headers: options.headers ? { ...headersAt(options.keyIndex), ...options.headers } : headersAt(options.keyIndex),
        body,
        signal,
      });
    } catch (error) {
      throw toProviderError(error, mapping);
    }
    if (response.status >= 200 && response.status < 300) return response;
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw toProviderError(error, mapping);
    }
    throw mapUpstreamFailure(response.status, parseBody(text), response.headers, mapping);
  }

  async function chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResponse> {
    const model = catalog.resolve(request.model);
    const mapping = mappingFor(model.id, options.signal, options.keyIndex);
    const body = shape(request, model, false);
    const response = await post(body, options, options.signal, mapping);
    let json: object;
    try {
      const parsed = parseBody(await response.text());
      if (typeof parsed !== 'object' || parsed === null)
        throw new Error(`not a JSON object: ${String(parsed).slice(0, 120)}`);
      json = parsed;
    } catch (error) {
      throw toProviderError(error, mapping);
    }
    // Parsed once: the normalizer and the provider's `transformResponse` both read the parsed body.
    const raw: RawCompletion = readCompletion(json);
    // A 200 body without `choices` is a failure some providers report that way (an `error` object,
    // MiniMax's `base_resp`): the provider's error structure maps it, with status 0.
    if (!raw.choices) throw mapUpstreamFailure(0, json, response.headers, mapping);
    const context: ResponseContext = { provider: id, model, request };
    const normalized = normalizeCompletion(raw, id, model.id);
    return settings.transformResponse ? settings.transformResponse(raw, normalized, context) : normalized;
  }

  async function* stream(request: ChatRequest, options: CallOptions = {}): AsyncGenerator<ChatChunk> {
    const model = catalog.resolve(request.model);
    const mapping = mappingFor(model.id, options.signal, options.keyIndex);
    const body = shape(request, model, true);
    const { controller, unlink } = linkedController(options.signal);
    try {
      const response = await post(
        body,
        { ...options, headers: { accept: 'text/event-stream', ...options.headers } },
        controller.signal,
        mapping,
      );
      // A JSON body where an event stream was asked for is an error reported with HTTP 200.
      if ((response.headers.get('content-type') ?? '').includes('json')) {
        let text: string;
        try {
          text = await response.text();
        } catch (error) {
          throw toProviderError(error, mapping);
        }
        throw mapUpstreamFailure(0, parseBody(text), response.headers, mapping);
      }
      const transformer = settings.createChunkTransformer?.({ provider: id, model, request });
      yield* readChatStream({ response, controller, mapping, model, transformer });
    } finally {
      unlink();
    }
  }

  async function listModels(options: CallOptions = {}): Promise<ModelInfo[]> {
    const known = catalog.list();
    if (settings.listModels === false) return known;
    const served: string[] = [];
    try {
      for await (const model of (await client()).models.list(requestOptions(options.signal, options.headers)))
        served.push(model.id);
    } catch (error) {
      const mapped = toProviderError(error, mappingFor(undefined, options.signal));
      if (mapped.code === 'not_found') return known;
      throw mapped;
    }
    const seen = new Set(known.map((model) => model.id));
    const extra = served
      .filter((modelId) => !seen.has(modelId) && !catalog.has(modelId))
      .map((modelId) => catalog.resolve(modelId));
    return [...known, ...extra];
  }

  const adapter: ProviderAdapter = {
    id,
    kind: settings.kind ?? 'openai-compatible',
    baseURL,
    keyCount: Math.max(1, keys.length),
    chat,
    stream,
    listModels,
    resolveModel: (modelId) => catalog.resolve(modelId),
    catalog: () => catalog.list(),
    ...(settings.files
      ? {
          files: createFilesApi(
            client,
            { provider: id, apiKey: keys[0], errorStructure: settings.errorStructure },
            settings.filePurpose ?? 'assistants',
          ),
        }
      : {}),
    ...(settings.embeddings
      ? {
          embed: (request, options = {}) =>
            embedWith(request, options, {
              provider: id,
              resolve: (modelId) => catalog.resolve(modelId),
              mapping: (model, signal, keyIndex) => mappingFor(model, signal, keyIndex),
              post: (body, callOptions, mapping) =>
                post(body, callOptions, callOptions.signal, mapping, `${baseURL}/embeddings`),
            }),
        }
      : {}),
  };
  return adapter;
}
