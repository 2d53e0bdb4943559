import { createHash } from 'node:crypto';
import { estimateTokens } from './answer.js';
import { openModelRequest } from './chat.js';
import type { Exchange } from './exchange.js';
import { errorReply, play, type Reply } from './reply.js';

/** The dialects with an embeddings API (`POST {base}/embeddings`), as the real providers have. */
export const EMBEDDING_DIALECTS: ReadonlySet<string> = new Set(['openai', 'glm']);

/** The provider's default width: OpenAI's `text-embedding-3-large` 3072, `-small` 1536; GLM's `embedding-3` 2048. */
function defaultDimensions(model: string): number {
  if (model.includes('large')) return 3072;
  return model.startsWith('embedding-') ? 2048 : 1536;
}

/** A unit vector that depends only on the text: the same text always embeds the same. */
export function simulatedVector(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}\u0000${text}`).digest();
    for (let index = 0; index < digest.length && values.length < dimensions; index++)
      values.push((digest[index]! - 127.5) / 127.5);
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => value / norm);
}

/** The inputs as texts: a string, strings, token ids, or lists of token ids; undefined when malformed. */
function inputTexts(input: unknown): string[] | undefined {
  if (typeof input === 'string') return input === '' ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'number')) return [input.join(' ')];
  const texts: string[] = [];
  for (const item of input) {
    if (typeof item === 'string' && item !== '') texts.push(item);
    else if (Array.isArray(item) && item.length > 0 && item.every((token) => typeof token === 'number'))
      texts.push(item.join(' '));
    else return undefined;
  }
  return texts;
}

const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');

/** `POST {base}/embeddings` (OpenAI and GLM dialects); `~scenario` suffixes and scripts work as on chat. */
export async function handleEmbeddings(exchange: Exchange, raw: Buffer): Promise<void> {
  const opened = openModelRequest(exchange, raw);
  if (!opened) return;
  const { body, model, scenario } = opened;
  const produce = (): Reply => {
    if (model === '') return errorReply(exchange, 400, 'bad_request', 'Missing required parameter: model.');
    if (!model.includes('embedding'))
      return errorReply(exchange, 400, 'bad_request', `Model ${model} does not support embeddings.`);
    const texts = inputTexts(body.input);
    if (!texts) return errorReply(exchange, 400, 'bad_request', "'input' must be a non-empty string or array.");
    const requested = body.dimensions;
    if (requested !== undefined && (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 1))
      return errorReply(exchange, 400, 'bad_request', "'dimensions' must be a positive integer.");
    const dimensions = Math.min(requested ?? defaultDimensions(model), 4096);
    const base64 = body.encoding_format === 'base64';
    const tokens = texts.reduce((sum, text) => sum + estimateTokens(text), 0);
    return {
      kind: 'json',
      status: 200,
      body: {
        object: 'list',
        data: texts.map((text, index) => {
          const vector = simulatedVector(text, dimensions);
          return { object: 'embedding', index, embedding: base64 ? base64Of(vector) : vector };
        }),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
    };
  };
  await play(exchange, scenario, `${exchange.spec.name}\u0000${model}\u0000embeddings`, produce);
}
