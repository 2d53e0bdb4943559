import type { CallOptions, EmbeddingRequest, EmbeddingResponse, ModelInfo, ProviderId } from '@exai/core';
import { z } from 'zod';
import { type MappingContext, mapUpstreamFailure, toProviderError } from './error-mapping.js';
import type { UpstreamResponse } from './transport.js';

/** What `embedWith` needs from its adapter: the catalog, the error mapping and the POST. */
export interface EmbeddingParts {
  provider: ProviderId;
  resolve(modelId: string): ModelInfo;
  mapping(model: string, signal: AbortSignal | undefined, keyIndex: number | undefined): MappingContext;
  post(body: string, options: CallOptions, mapping: MappingContext): Promise<UpstreamResponse>;
}

/** OpenAI's embeddings answer, loosely: floats only (the gateway always asks for `float`). */
const embeddingsSchema = z.looseObject({
  model: z.string().optional().catch(undefined),
  data: z.array(z.looseObject({ index: z.number().int().nonnegative().optional(), embedding: z.array(z.number()) })),
  usage: z
    .looseObject({ prompt_tokens: z.number().optional(), total_tokens: z.number().optional() })
    .optional()
    .catch(undefined),
});

/**
 * `POST {baseURL}/embeddings` with `encoding_format: "float"` (GLM has no base64; the gateway encodes
 * base64 for clients that ask). A body without `data` is a failure, mapped by the provider's error structure.
 */
export async function embedWith(
  request: EmbeddingRequest,
  options: CallOptions,
  parts: EmbeddingParts,
): Promise<EmbeddingResponse> {
  const model = parts.resolve(request.model);
  const mapping = parts.mapping(model.id, options.signal, options.keyIndex);
  const body = JSON.stringify({
    model: model.id,
    input: request.input,
    encoding_format: 'float',
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    ...(request.user !== undefined ? { user: request.user } : {}),
  });
  const response = await parts.post(body, options, mapping);
  let json: unknown;
  try {
    json = JSON.parse(await response.text());
  } catch (error) {
    throw toProviderError(error, mapping);
  }
  const parsed = embeddingsSchema.safeParse(json);
  if (!parsed.success) throw mapUpstreamFailure(0, json, response.headers, mapping);
  const prompt = parsed.data.usage?.prompt_tokens ?? 0;
  return {
    object: 'list',
    data: parsed.data.data.map((item, position) => ({
      object: 'embedding',
      index: item.index ?? position,
      embedding: item.embedding,
    })),
    model: parsed.data.model || model.id,
    provider: parts.provider,
    usage: { prompt_tokens: prompt, total_tokens: parsed.data.usage?.total_tokens ?? prompt },
  };
}
