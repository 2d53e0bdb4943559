import type { ChatChunk, ChatResponse } from '@exai/core';
import type { RawChunk, RawCompletion } from '@exai/provider-openai-compatible';
import { z } from 'zod';
import { mapMinimaxError, readBaseResp } from './error-mapping.js';
import { splitThink, ThinkSplitter } from './think-splitter.js';

export interface NormalizeContext {
  provider?: string;
  model?: string;
  headers?: Headers;
}

/** MiniMax `reasoning_details: [{type: 'reasoning.text', text}]` on a message or delta. */
export const reasoningDetailsSchema = z.array(
  z
    .looseObject({ type: z.string().optional().catch(undefined), text: z.string().optional().catch(undefined) })
    .catch({}),
);

/** The text of MiniMax `reasoning_details: [{type: 'reasoning.text', text}]`. */
export function reasoningDetailsText(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const parsed = reasoningDetailsSchema.safeParse(details);
  if (!parsed.success) return '';
  let text = '';
  for (const detail of parsed.data) if (detail.text !== undefined) text += detail.text;
  return text;
}

/** Throws the mapped error when a 200 body (or chunk) carries a non-zero `base_resp`. */
export function throwOnBaseResp(raw: RawCompletion | RawChunk, context: NormalizeContext = {}): void {
  if (!readBaseResp(raw)) return;
  throw mapMinimaxError({
    status: 200,
    body: raw,
    provider: context.provider,
    model: context.model,
    headers: context.headers,
  });
}

/**
 * MiniMax completion → gateway response: `reasoning_details` (reasoning_split on) or `<think>` blocks
 * in `content` (off) become `reasoning_content`; a non-zero `base_resp` on a 200 is thrown as its error.
 */
export function normalizeMinimaxResponse(
  raw: RawCompletion,
  response: ChatResponse,
  context: NormalizeContext = {},
): ChatResponse {
  throwOnBaseResp(raw, context);
  const choices = response.choices.map((choice, position) => {
    let reasoning =
      reasoningDetailsText(raw.choices?.[position]?.message?.reasoning_details) ||
      choice.message.reasoning_content ||
      '';
    let content = choice.message.content;
    if (typeof content === 'string' && content.includes('<think>')) {
      const split = splitThink(content);
      content = split.content;
      reasoning = reasoning ? `${reasoning}${split.reasoning}` : split.reasoning;
    }
    const { reasoning_content: _reasoning, ...message } = choice.message;
    return { ...choice, message: { ...message, content, ...(reasoning ? { reasoning_content: reasoning } : {}) } };
  });
  return { ...response, choices };
}

/**
 * A stateful MiniMax chunk normalizer, one per stream: `<think>` tags are split out of content
 * deltas even when a tag is cut across chunks, `reasoning_details` deltas become `reasoning_content`
 * (incremental or cumulative text both handled), and `flush()` releases a held-back partial tag.
 */
export function createMinimaxChunkNormalizer(context: NormalizeContext = {}): {
  (raw: RawChunk, chunk: ChatChunk): ChatChunk[];
  flush(): ChatChunk[];
} {
  const splitters = new Map<number, ThinkSplitter>();
  const detailsSeen = new Map<number, string>();
  let last: ChatChunk | undefined;

  const splitterFor = (index: number): ThinkSplitter => {
    const existing = splitters.get(index);
    if (existing) return existing;
    const created = new ThinkSplitter();
    splitters.set(index, created);
    return created;
  };

  /** New reasoning text from a `reasoning_details` delta; cumulative senders repeat what came before. */
  const newDetailsText = (index: number, text: string): string => {
    const seen = detailsSeen.get(index) ?? '';
    const fresh = seen && text.startsWith(seen) && text.length >= seen.length ? text.slice(seen.length) : text;
    detailsSeen.set(index, seen + fresh);
    return fresh;
  };

  const normalize = (raw: RawChunk, chunk: ChatChunk): ChatChunk[] => {
    throwOnBaseResp(raw, context);
    last = chunk;
    const choices = chunk.choices.map((choice, position) => {
      const { content, reasoning_content: existing, ...delta } = choice.delta;
      let reasoning = newDetailsText(
        choice.index,
        reasoningDetailsText(raw.choices?.[position]?.delta?.reasoning_details),
      );
      if (!reasoning && existing) reasoning = existing;
      let text = '';
      if (typeof content === 'string' && content !== '') {
        const split = splitterFor(choice.index).push(content);
        text = split.content;
        reasoning += split.reasoning;
      }
      return {
        ...choice,
        delta: { ...delta, ...(text ? { content: text } : {}), ...(reasoning ? { reasoning_content: reasoning } : {}) },
      };
    });
    return [{ ...chunk, choices }];
  };

  normalize.flush = (): ChatChunk[] => {
    if (!last) return [];
    const choices: ChatChunk['choices'] = [];
    for (const [index, splitter] of splitters) {
      const rest = splitter.flush();
      if (rest.content || rest.reasoning) {
        choices.push({
          index,
          delta: {
            ...(rest.content ? { content: rest.content } : {}),
            ...(rest.reasoning ? { reasoning_content: rest.reasoning } : {}),
          },
          finish_reason: null,
        });
      }
    }
    if (choices.length === 0) return [];
    const { usage: _usage, citations: _citations, ...template } = last;
    return [{ ...template, choices }];
  };
  return normalize;
}
