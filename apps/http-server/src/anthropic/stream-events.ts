import type { ChatChunk, FinishReason, Usage } from '@exai/core';
import { type AnthropicEvent, stopFields, toolUseId, toUsage } from './mapping.js';

/**
 * Turns the engine's chunks into Anthropic's events: `message_start` and `ping`, then one content
 * block at a time (thinking, text, each tool call) with its deltas, then `message_delta` and
 * `message_stop`. A tool call's later argument deltas go to its own block's index.
 */
export class AnthropicStreamMapper {
  #block = -1;
  #open: 'text' | 'thinking' | 'tool' | undefined;
  readonly #tools = new Map<number, number>();
  #finish: FinishReason | null = null;
  #usedTools = false;
  #stopSequence: string | undefined;
  #usage: Usage | undefined;

  start(id: string, model: string): AnthropicEvent[] {
    const message = {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return [
      { event: 'message_start', data: { type: 'message_start', message } },
      { event: 'ping', data: { type: 'ping' } },
    ];
  }

  push(chunk: ChatChunk): AnthropicEvent[] {
    const events: AnthropicEvent[] = [];
    if (chunk.usage) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return events;
    const delta = choice.delta;
    if (delta.reasoning_content) {
      this.#openBlock('thinking', { type: 'thinking', thinking: '', signature: '' }, events);
      events.push(this.#delta({ type: 'thinking_delta', thinking: delta.reasoning_content }));
    }
    if (delta.content) {
      this.#openBlock('text', { type: 'text', text: '' }, events);
      events.push(this.#delta({ type: 'text_delta', text: delta.content }));
    }
    for (const call of delta.tool_calls ?? []) {
      let index = this.#tools.get(call.index);
      if (index === undefined) {
        this.#usedTools = true;
        this.#openBlock(
          'tool',
          { type: 'tool_use', id: call.id || toolUseId(), name: call.function?.name ?? '', input: {} },
          events,
          true,
        );
        index = this.#block;
        this.#tools.set(call.index, index);
      }
      if (call.function?.arguments)
        events.push(this.#delta({ type: 'input_json_delta', partial_json: call.function.arguments }, index));
    }
    if (choice.finish_reason) this.#finish = choice.finish_reason;
    if (choice.stop_sequence) this.#stopSequence = choice.stop_sequence;
    return events;
  }

  /** Closes the open block and the message; `usage` is the engine's when no chunk carried it. */
  end(usage?: Usage): AnthropicEvent[] {
    const events: AnthropicEvent[] = [];
    this.#close(events);
    const counts = toUsage(this.#usage ?? usage);
    events.push({
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: stopFields(this.#finish, this.#usedTools, this.#stopSequence),
        usage: counts,
      },
    });
    events.push({ event: 'message_stop', data: { type: 'message_stop' } });
    return events;
  }

  #openBlock(
    kind: 'text' | 'thinking' | 'tool',
    block: Record<string, unknown>,
    events: AnthropicEvent[],
    always = false,
  ): void {
    if (this.#open === kind && !always) return;
    this.#close(events);
    this.#block += 1;
    this.#open = kind;
    events.push({
      event: 'content_block_start',
      data: { type: 'content_block_start', index: this.#block, content_block: block },
    });
  }

  #close(events: AnthropicEvent[]): void {
    if (this.#open === undefined) return;
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: this.#block } });
    this.#open = undefined;
  }

  #delta(delta: Record<string, unknown>, index = this.#block): AnthropicEvent {
    return { event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } };
  }
}

/** One event as SSE text. */
export const sseText = (event: AnthropicEvent) => `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
