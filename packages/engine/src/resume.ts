import {
  type ChatChunk,
  type ChatChunkDelta,
  type ChatRequest,
  LruMap,
  type ResumePoint,
  type Usage,
} from '@exai/core';
import { estimateTokens } from './file-context.js';
import { textOf } from './memory.js';
import type { Target } from './resolve.js';

/*
 * Continuing a broken text stream on another target: the continuation request, the seam (a
 * continuation's repeat of the text the caller already has is trimmed, never sent twice), and
 * the splice that turns several attempts' chunks into one answer (one role, one finish, usage
 * summed). The router decides when; see docs/decisions/0021-stream-rescue.md.
 */

/** What a target is told when it cannot take the partial answer as a prefill. */
export const CONTINUE_INSTRUCTION =
  'Your previous answer (the assistant message above) was cut off. Continue it exactly from its last character: ' +
  'do not repeat any of it, add no preamble or commentary; reply with only the rest of the answer.';

/** A repeat shorter than this at the seam is taken for a coincidence (unless it is all of the given text). */
const MIN_OVERLAP = 8;
/** How far back into the given text a repeat is looked for. */
const OVERLAP_WINDOW = 512;

/**
 * Targets (`provider/model`) that refused a prefill with a 400, remembered for the engine's life: at most
 * `capacity` of them (model names can be made up), the least recently asked about forgotten first.
 */
export class PrefillMemory {
  readonly #refused: LruMap<string, true>;

  constructor(capacity = 1_000) {
    this.#refused = new LruMap(capacity);
  }

  get size(): number {
    return this.#refused.size;
  }

  /** True when the target is to be sent a prefill: the catalog says it takes one and it has not refused. */
  takes(target: Target): boolean {
    return target.info.prefill === true && this.#refused.get(`${target.provider}/${target.model}`) !== true;
  }

  refused(target: Target): void {
    this.#refused.set(`${target.provider}/${target.model}`, true);
  }
}

/**
 * The request that asks `prefill`-capable targets to continue the partial answer (a final assistant
 * message, Kimi's `partial: true`), and others in words. With only reasoning given, the others are
 * asked afresh: their repeat of that reasoning is trimmed at the seam.
 */
export function continuationRequest(
  request: ChatRequest,
  given: { content: string; reasoning: string },
  prefill: boolean,
): ChatRequest {
  if (prefill) {
    const reasoning = given.reasoning && !given.content ? { reasoning_content: given.reasoning } : {};
    return {
      ...request,
      messages: [...request.messages, { role: 'assistant', content: given.content, partial: true, ...reasoning }],
    };
  }
  if (given.content === '') return request;
  return {
    ...request,
    messages: [
      ...request.messages,
      { role: 'assistant', content: given.content },
      { role: 'user', content: CONTINUE_INSTRUCTION },
    ],
  };
}

/**
 * How much of `next` repeats the end of `given`: the longest such repeat of at least MIN_OVERLAP
 * characters (or all of a shorter `given`), 0 when there is none, undefined while more of `next`
 * could still make one (unless `final`).
 */
export function overlapOf(given: string, next: string, final: boolean): number | undefined {
  const tail = given.slice(-OVERLAP_WINDOW);
  const floor = Math.min(MIN_OVERLAP, tail.length);
  if (floor === 0) return 0;
  for (let length = tail.length; length >= floor; length--) {
    const end = tail.slice(tail.length - length);
    if (length <= next.length) {
      if (next.startsWith(end)) return length;
    } else if (!final && end.startsWith(next)) return undefined;
  }
  return 0;
}

/** One text channel (content or reasoning) across a seam: holds the continuation's start until its repeat is known. */
class SeamText {
  #given: string;
  #held = '';
  #open = false;

  constructor(given: string) {
    this.#given = given;
  }

  /** The part of `text` to pass on now. */
  push(text: string): string {
    if (this.#open) return text;
    this.#held += text;
    const trim = overlapOf(this.#given, this.#held, false);
    if (trim === undefined) return '';
    return this.#release(trim);
  }

  /** What is still held when the continuation ends. */
  flush(): string {
    return this.#open ? '' : this.#release(overlapOf(this.#given, this.#held, true) ?? 0);
  }

  #release(trim: number): string {
    this.#open = true;
    const out = this.#held.slice(trim);
    this.#held = '';
    return out;
  }
}

function addUsage(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b;
  const sum: Usage = {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
  if (a.reasoning_tokens !== undefined || b.reasoning_tokens !== undefined)
    sum.reasoning_tokens = (a.reasoning_tokens ?? 0) + (b.reasoning_tokens ?? 0);
  if (a.cached_tokens !== undefined || b.cached_tokens !== undefined)
    sum.cached_tokens = (a.cached_tokens ?? 0) + (b.cached_tokens ?? 0);
  return sum;
}

/** Text received in pieces, joined only when asked for (a rescue needs it; a stream that ends cleanly never does). */
class TextParts {
  #parts: string[] = [];
  #joined = '';

  add(text: string): void {
    if (text) this.#parts.push(text);
  }

  get empty(): boolean {
    return this.#parts.length === 0 && this.#joined === '';
  }

  get text(): string {
    if (this.#parts.length > 0) {
      this.#joined += this.#parts.join('');
      this.#parts = [];
    }
    return this.#joined;
  }
}

/**
 * The caller's one answer over every attempt that contributed to it. `take` maps an attempt's chunk
 * to what the caller gets now (finish and usage chunks are held until the answer ends); `resume`
 * opens a seam for the next attempt; `end` releases what was held, usage summed. Until a seam opens,
 * a chunk passes as it came (no copy) and its text is only kept in pieces, for a rescue to join.
 */
export class Splice {
  readonly #content = new TextParts();
  readonly #reasoning = new TextParts();
  toolCalls = false;
  /** A finish chunk arrived: the answer is complete even if its stream then broke. */
  finished = false;
  readonly resumed: ResumePoint[] = [];
  #usage: Usage | undefined;
  /** Usage of the attempts before the current one. */
  #carried: Usage | undefined;
  #attemptChars = 0;
  #seam: { content: SeamText; reasoning: SeamText } | undefined;
  #tail: ChatChunk[] = [];
  #last: ChatChunk | undefined;
  readonly #request: ChatRequest;

  constructor(request: ChatRequest) {
    this.#request = request;
  }

  /** The answer's content so far (joined on demand). */
  get content(): string {
    return this.#content.text;
  }

  /** The answer's reasoning so far (joined on demand). */
  get reasoning(): string {
    return this.#reasoning.text;
  }

  /** True once the caller has been sent any content or reasoning. */
  get started(): boolean {
    return !this.#content.empty || !this.#reasoning.empty;
  }

  /** The usage so far (summed over the attempts). */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** What the caller gets now for `chunk`: nothing (held, or all of it a repeat at a seam), or one chunk. */
  take(chunk: ChatChunk): ChatChunk | undefined {
    this.#last = chunk;
    if (chunk.usage) this.#usage = addUsage(this.#carried, chunk.usage);
    const choice = chunk.choices[0];
    let out = chunk;
    if (choice) {
      if (this.#seam) {
        const delta = this.#seamDelta(choice.delta);
        if (!choice.finish_reason && Object.keys(delta).length === 0 && !chunk.usage) return undefined;
        out = { ...chunk, choices: [{ ...choice, delta }] };
      } else this.#keep(choice.delta);
    }
    if (this.finished || choice?.finish_reason) {
      this.finished = true;
      this.#tail.push(out);
      return undefined;
    }
    return out;
  }

  /** Notes what the caller was sent: its text (for a rescue), and whether it holds a tool call. */
  #keep(delta: ChatChunkDelta): void {
    if (delta.tool_calls?.length) this.toolCalls = true;
    const { content, reasoning_content: reasoning } = delta;
    if (content) {
      this.#content.add(content);
      this.#attemptChars += content.length;
    }
    if (reasoning) {
      this.#reasoning.add(reasoning);
      this.#attemptChars += reasoning.length;
    }
  }

  /** A continuation's delta past the seam: no second role, its repeat of the given text trimmed. */
  #seamDelta(input: ChatChunkDelta): ChatChunkDelta {
    const seam = this.#seam!;
    const delta = { ...input };
    delete delta.role;
    // Past the first content, a continuation's new thinking is not the caller's: the answer is past thinking.
    const hadContent = !this.#content.empty;
    let reasoning = delta.reasoning_content && !hadContent ? seam.reasoning.push(delta.reasoning_content) : '';
    if (delta.content) {
      if (!hadContent) reasoning += seam.reasoning.flush();
      delta.content = seam.content.push(delta.content);
    }
    delta.reasoning_content = reasoning;
    this.#keep(delta);
    if (!delta.content) delete delta.content;
    if (!delta.reasoning_content) delete delta.reasoning_content;
    return delta;
  }

  /** A continuation by `target` follows: the attempt before it broke without usage, so its share is estimated. */
  resume(target: Target): ChatChunk[] {
    const flushed = this.#flushSeam();
    if (!this.#usage || this.#usage === this.#carried) {
      const prompt = this.#request.messages.reduce((sum, message) => sum + estimateTokens(textOf(message)), 0);
      const completion = Math.ceil(this.#attemptChars / 4);
      this.#usage = addUsage(this.#usage, {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
      });
    }
    this.#carried = this.#usage;
    this.#attemptChars = 0;
    const content = this.content;
    this.resumed.push({ provider: target.provider, model: target.model, at_char: Array.from(content).length });
    this.#seam = { content: new SeamText(content), reasoning: new SeamText(this.reasoning) };
    return flushed;
  }

  /** The end of the answer: text still held at a seam, then the held finish and usage chunks (usage summed). */
  end(): ChatChunk[] {
    const out = this.#flushSeam();
    for (const chunk of this.#tail) out.push(this.#usage && chunk.usage ? { ...chunk, usage: this.#usage } : chunk);
    this.#tail = [];
    return out;
  }

  #flushSeam(): ChatChunk[] {
    const seam = this.#seam;
    if (!seam || !this.#last) return [];
    const content = seam.content.flush();
    const reasoning = this.#content.empty ? seam.reasoning.flush() : '';
    if (!content && !reasoning) return [];
    this.#content.add(content);
    this.#reasoning.add(reasoning);
    const delta = { ...(reasoning ? { reasoning_content: reasoning } : {}), ...(content ? { content } : {}) };
    const { usage: _usage, ...rest } = this.#last;
    return [{ ...rest, choices: [{ index: 0, delta, finish_reason: null }] }];
  }
}
