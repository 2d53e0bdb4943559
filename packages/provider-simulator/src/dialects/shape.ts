import { type Answer, splitWords, type ToolCall } from '../answer.js';
import type { StoredFile } from '../types.js';
import type { DialectSpec, ReplyContext } from './types.js';

/** How a dialect dresses the neutral answer in the OpenAI chat-completion envelope. */
export interface ShapeOptions {
  /** Top-level fields copied from the provider's documented completion (object, system_fingerprint, ...). */
  completionExtras: Record<string, unknown>;
  chunkExtras: Record<string, unknown>;
  toolCallId(call: ToolCall, context: ReplyContext): string;
  usage(answer: Answer): Record<string, unknown>;
  /** Where reasoning goes: a `reasoning_content` field, `<think>` tags in content, or MiniMax `reasoning_details`. */
  reasoning(context: ReplyContext): 'reasoning_content' | 'think-tags' | 'reasoning_details';
  /** Extra fields for the final chunk (usage placement differs per provider). */
  finalChunk(answer: Answer, context: ReplyContext, choice: Record<string, unknown>): Record<string, unknown>[];
  /** Fields merged into the first chunk and the completion (GLM's `web_search`). */
  annotations?(answer: Answer, context: ReplyContext): Record<string, unknown>;
}

function thinkContent(answer: Answer): string {
  return answer.reasoning === undefined
    ? answer.content
    : `<think>\n${answer.reasoning}\n</think>\n\n${answer.content}`;
}

function reasoningDetail(text: string): Record<string, unknown> {
  return { type: 'reasoning.text', id: 'reasoning-text-1', format: 'MiniMax-response-v1', index: 0, text };
}

/** vLLM's `stop_reason`: the stop sequence that ended the answer. */
const stopReason = (answer: Answer) => (answer.stopSequence === undefined ? {} : { stop_reason: answer.stopSequence });

export function buildCompletion(answer: Answer, context: ReplyContext, shape: ShapeOptions): Record<string, unknown> {
  const placement = shape.reasoning(context);
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: placement === 'think-tags' ? thinkContent(answer) : answer.content,
  };
  if (answer.reasoning !== undefined && placement === 'reasoning_content') message.reasoning_content = answer.reasoning;
  if (answer.reasoning !== undefined && placement === 'reasoning_details') {
    message.reasoning_details = [reasoningDetail(answer.reasoning)];
  }
  if (answer.toolCalls.length > 0) {
    message.tool_calls = answer.toolCalls.map((call) => ({
      id: shape.toolCallId(call, context),
      index: call.index,
      type: call.type,
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, finish_reason: answer.finishReason, ...stopReason(answer) }],
    usage: shape.usage(answer),
    ...shape.completionExtras,
    ...shape.annotations?.(answer, context),
  };
}

export function buildChunks(answer: Answer, context: ReplyContext, shape: ShapeOptions): Record<string, unknown>[] {
  const placement = shape.reasoning(context);
  const deltas: Record<string, unknown>[] = [];
  if (answer.reasoning !== undefined) {
    if (placement === 'think-tags') {
      for (const piece of splitWords(`<think>\n${answer.reasoning}\n</think>\n\n`)) deltas.push({ content: piece });
    } else {
      for (const piece of splitWords(answer.reasoning)) {
        deltas.push(
          placement === 'reasoning_content'
            ? { reasoning_content: piece }
            : { reasoning_details: [reasoningDetail(piece)] },
        );
      }
    }
  }
  for (const piece of splitWords(answer.content, answer.splitAt)) deltas.push({ content: piece });
  for (const call of answer.toolCalls) {
    const id = shape.toolCallId(call, context);
    const name = { name: call.name, arguments: '' };
    deltas.push({ tool_calls: [{ index: call.index, id, type: call.type, function: name }] });
    deltas.push({ tool_calls: [{ index: call.index, function: { arguments: call.arguments } }] });
  }
  if (deltas.length === 0) deltas.push({ content: '' });
  deltas[0] = { role: 'assistant', ...deltas[0] };
  const envelope = { id: context.id, object: 'chat.completion.chunk', created: context.created, model: context.model };
  const chunks: Record<string, unknown>[] = deltas.map((delta) => ({
    ...envelope,
    choices: [{ index: 0, delta, finish_reason: null }],
    ...shape.chunkExtras,
  }));
  const annotations = shape.annotations?.(answer, context);
  if (annotations) Object.assign(chunks[0]!, annotations);
  const finalChoice = { index: 0, delta: {}, finish_reason: answer.finishReason, ...stopReason(answer) };
  for (const extra of shape.finalChunk(answer, context, finalChoice)) {
    chunks.push({ ...envelope, ...shape.chunkExtras, ...extra });
  }
  return chunks;
}

/** Copies a fixture's top-level fields except the ones every answer sets. */
export function extrasFrom(fixture: Record<string, unknown>): Record<string, unknown> {
  const { id, object, created, model, choices, usage, ...extras } = fixture;
  void id;
  void object;
  void created;
  void model;
  void choices;
  void usage;
  return extras;
}

/** The three token counts every dialect's usage starts with. */
export function tokenCounts(answer: Answer): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
} {
  return {
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.completionTokens,
    total_tokens: answer.promptTokens + answer.completionTokens,
  };
}

/** A dialect's completion and chunks: the neutral answer dressed by `shape`. */
export function shapedReplies(shape: ShapeOptions): Pick<DialectSpec, 'completion' | 'chunks'> {
  return {
    completion: (answer, context) => buildCompletion(answer, context, shape),
    chunks: (answer, context) => buildChunks(answer, context, shape),
  };
}

/** A provider's documented file object with the stored file's id, size, time, name and purpose. */
export function fileObject(fixture: Record<string, unknown>, file: StoredFile): Record<string, unknown> {
  return {
    ...fixture,
    id: file.id,
    bytes: file.bytes,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose,
  };
}

/** A stored file's bytes as uploaded. */
export function storedContent(file: StoredFile): { contentType: string; data: Buffer | string } {
  return { contentType: file.contentType, data: file.data };
}

/** A dialect's model ids and its `GET /models` answer, both from the provider's documented list. */
export function listedModels(fixture: { data: readonly { id: string }[] }): Pick<DialectSpec, 'models' | 'modelList'> {
  return { models: fixture.data.map((model) => model.id), modelList: () => fixture };
}
