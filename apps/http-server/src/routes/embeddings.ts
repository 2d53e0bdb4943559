import type { EmbeddingRequest } from '@exai/core';
import { z } from 'zod';
import { validateBody } from '../chat-schema.js';
import type { App, AppDeps } from '../deps.js';
import { describeMeta } from '../request-info.js';
import { metaHeaders } from '../sse.js';
import { exaiField } from './chat.js';

/** OpenAI's own limit: 2,048 inputs a request. */
const MAX_INPUTS = 2_048;
const tokenIds = z.array(z.number().int().nonnegative()).min(1).max(1_000_000);

const embeddingsBodySchema = z.object({
  model: z.string().min(1).max(200),
  input: z.union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1).max(MAX_INPUTS),
    tokenIds,
    z.array(tokenIds).min(1).max(MAX_INPUTS),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().max(16_384).optional(),
  user: z.string().max(256).optional(),
});

/** A float vector as OpenAI's `base64`: the little-endian float32 bytes. */
const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');

/**
 * `POST /v1/embeddings` over the engine (resolution, fallbacks that can embed, breakers, sessions, the
 * request log). Upstreams are asked for floats; `encoding_format: "base64"` (the openai SDK's default) is
 * encoded here, so GLM, which has no base64, serves it too.
 */
export function mountEmbeddings(app: App, deps: AppDeps): void {
  app.post('/v1/embeddings', async (request, reply) => {
    const { encoding_format, ...body } = validateBody(embeddingsBodySchema, request.body);
    const answer = await deps.engine.embed(body as EmbeddingRequest, {
      signal: request.exaiSignal,
      requestId: request.id,
      route: '/v1/embeddings',
      ...(request.exai.keyId ? { caller: request.exai.keyId } : {}),
    });
    describeMeta(request, answer.exai);
    const { exai, provider: _provider, ...response } = answer;
    const data =
      encoding_format === 'base64'
        ? response.data.map((item) => ({ ...item, embedding: base64Of(item.embedding) }))
        : response.data;
    return reply.headers(metaHeaders(exai)).send({ ...response, data, exai: exaiField(exai) });
  });
}
