import type { ChatChunk, ToolCall, Usage } from '@exai/core';
import { newId } from './mapping.js';
import { buildResponse, functionCallItem } from './output.js';
import type { AnswerParts, OutputItem, ResponseObject } from './types.js';

/**
 * Chat stream chunks → the Responses streaming events, in OpenAI's documented order:
 * `response.created`, `response.in_progress`, then per output item `output_item.added`, its parts
 * and deltas (`reasoning_summary_part.added`/`reasoning_summary_text.delta`,
 * `content_part.added`/`output_text.delta`, `function_call_arguments.delta`), their `.done`
 * events and `output_item.done`, and last `response.completed` (or `response.incomplete`); after a
 * failure `response.failed` and `error`. Every event carries an increasing `sequence_number`.
 */

export interface ResponseEvent {
  type: string;
  sequence_number: number;
  [key: string]: unknown;
}

interface OpenCall {
  id: string;
  outputIndex: number;
  call: ToolCall;
}

export class ResponseEventMapper {
  #sequence = 0;
  #output: OutputItem[] = [];
  #text = '';
  #reasoning = '';
  #open: 'reasoning' | 'message' | 'calls' | null = null;
  #messageId = newId('msg');
  #reasoningId = newId('rs');
  #messageIndex = -1;
  #reasoningIndex = -1;
  #calls = new Map<number, OpenCall>();
  #finishReason: string | null = null;
  #usage: Usage | undefined;
  #model: string;

  constructor(
    readonly shell: ResponseObject,
    readonly namespaces: ReadonlyMap<string, string> = new Map(),
  ) {
    this.#model = shell.model;
  }

  #event(type: string, fields: Record<string, unknown> = {}): ResponseEvent {
    const event = { type, sequence_number: this.#sequence, ...fields };
    this.#sequence += 1;
    return event;
  }

  /** An event about one output item: its id and position first, then `fields`. */
  #itemEvent(type: string, itemId: string, outputIndex: number, fields: Record<string, unknown>): ResponseEvent {
    return this.#event(type, { item_id: itemId, output_index: outputIndex, ...fields });
  }

  /** Appends `item` to the output (at the index its caller reserved) and announces it. */
  #added(events: ResponseEvent[], item: OutputItem): void {
    const outputIndex = this.#output.length;
    this.#output.push(item);
    events.push(this.#event('response.output_item.added', { output_index: outputIndex, item }));
  }

  /** `response.created` and `response.in_progress`. */
  start(): ResponseEvent[] {
    return [
      this.#event('response.created', { response: this.shell }),
      this.#event('response.in_progress', { response: this.shell }),
    ];
  }

  #closeReasoning(events: ResponseEvent[]): void {
    const text = this.#reasoning;
    const base = { item_id: this.#reasoningId, output_index: this.#reasoningIndex, summary_index: 0 };
    events.push(this.#event('response.reasoning_summary_text.done', { ...base, text }));
    events.push(this.#event('response.reasoning_summary_part.done', { ...base, part: { type: 'summary_text', text } }));
    const item: OutputItem = { id: this.#reasoningId, type: 'reasoning', summary: [{ type: 'summary_text', text }] };
    this.#output[this.#reasoningIndex] = item;
    events.push(this.#event('response.output_item.done', { output_index: this.#reasoningIndex, item }));
  }

  #closeMessage(events: ResponseEvent[], status: 'completed' | 'incomplete'): void {
    const text = this.#text;
    const base = { item_id: this.#messageId, output_index: this.#messageIndex, content_index: 0 };
    const part = { type: 'output_text' as const, text, annotations: [] };
    events.push(this.#event('response.output_text.done', { ...base, text, logprobs: [] }));
    events.push(this.#event('response.content_part.done', { ...base, part }));
    const item: OutputItem = { id: this.#messageId, type: 'message', role: 'assistant', status, content: [part] };
    this.#output[this.#messageIndex] = item;
    events.push(this.#event('response.output_item.done', { output_index: this.#messageIndex, item }));
  }

  #closeCalls(events: ResponseEvent[]): void {
    for (const open of this.#calls.values()) {
      const { call } = open;
      events.push(
        this.#itemEvent('response.function_call_arguments.done', open.id, open.outputIndex, {
          name: call.function.name,
          arguments: call.function.arguments,
        }),
      );
      const item = functionCallItem(open.id, call, this.namespaces);
      this.#output[open.outputIndex] = item;
      events.push(this.#event('response.output_item.done', { output_index: open.outputIndex, item }));
    }
    this.#calls.clear();
  }

  #close(events: ResponseEvent[], status: 'completed' | 'incomplete' = 'completed'): void {
    if (this.#open === 'reasoning') this.#closeReasoning(events);
    else if (this.#open === 'message') this.#closeMessage(events, status);
    else if (this.#open === 'calls') this.#closeCalls(events);
    this.#open = null;
  }

  /** The events one chat chunk produces. */
  chunk(chunk: ChatChunk): ResponseEvent[] {
    const events: ResponseEvent[] = [];
    if (chunk.model) this.#model = chunk.model;
    if (chunk.usage) this.#usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const delta = choice.delta;
      if (delta.reasoning_content) {
        if (this.#open !== 'reasoning') {
          // A second reasoning block (after text or calls) joins the first one's item only if it is still open.
          this.#close(events);
          if (this.#reasoningIndex >= 0) this.#reasoningId = newId('rs');
          this.#reasoning = '';
          this.#reasoningIndex = this.#output.length;
          const item: OutputItem = { id: this.#reasoningId, type: 'reasoning', summary: [] };
          this.#added(events, item);
          events.push(
            this.#itemEvent('response.reasoning_summary_part.added', this.#reasoningId, this.#reasoningIndex, {
              summary_index: 0,
              part: { type: 'summary_text', text: '' },
            }),
          );
          this.#open = 'reasoning';
        }
        this.#reasoning += delta.reasoning_content;
        events.push(
          this.#itemEvent('response.reasoning_summary_text.delta', this.#reasoningId, this.#reasoningIndex, {
            summary_index: 0,
            delta: delta.reasoning_content,
          }),
        );
      }
      if (delta.content) {
        if (this.#open !== 'message') {
          this.#close(events);
          if (this.#messageIndex >= 0) this.#messageId = newId('msg');
          this.#text = '';
          this.#messageIndex = this.#output.length;
          const item: OutputItem = {
            id: this.#messageId,
            type: 'message',
            role: 'assistant',
            status: 'in_progress',
            content: [],
          };
          this.#added(events, item);
          events.push(
            this.#itemEvent('response.content_part.added', this.#messageId, this.#messageIndex, {
              content_index: 0,
              part: { type: 'output_text', text: '', annotations: [] },
            }),
          );
          this.#open = 'message';
        }
        this.#text += delta.content;
        events.push(
          this.#itemEvent('response.output_text.delta', this.#messageId, this.#messageIndex, {
            content_index: 0,
            delta: delta.content,
            logprobs: [],
          }),
        );
      }
      for (const toolDelta of delta.tool_calls ?? []) {
        if (this.#open !== 'calls') this.#close(events);
        this.#open = 'calls';
        let open = this.#calls.get(toolDelta.index);
        if (!open) {
          const call: ToolCall = {
            id: toolDelta.id ?? newId('call'),
            type: 'function',
            function: { name: toolDelta.function?.name ?? '', arguments: '' },
          };
          open = { id: newId('fc'), outputIndex: this.#output.length, call };
          this.#calls.set(toolDelta.index, open);
          const item: OutputItem = {
            id: open.id,
            type: 'function_call',
            call_id: call.id,
            name: call.function.name,
            arguments: '',
            status: 'in_progress',
          };
          this.#added(events, item);
        } else if (toolDelta.function?.name && !open.call.function.name) {
          open.call.function.name = toolDelta.function.name;
        }
        const fragment = toolDelta.function?.arguments;
        if (fragment) {
          open.call.function.arguments += fragment;
          events.push(
            this.#itemEvent('response.function_call_arguments.delta', open.id, open.outputIndex, {
              delta: fragment,
            }),
          );
        }
      }
      if (choice.finish_reason) this.#finishReason = choice.finish_reason;
    }
    return events;
  }

  /** What was streamed so far, as the parts of an answer. */
  parts(usage?: Usage): AnswerParts {
    const toolCalls = this.#output.flatMap((item): ToolCall[] =>
      item.type === 'function_call'
        ? [{ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } }]
        : [],
    );
    const text = this.#output
      .flatMap((item) => (item.type === 'message' ? item.content.map((part) => part.text) : []))
      .join('');
    const reasoning = this.#output
      .flatMap((item) => (item.type === 'reasoning' ? item.summary.map((part) => part.text) : []))
      .join('');
    return {
      text,
      reasoning,
      toolCalls,
      finishReason: this.#finishReason,
      usage: usage ?? this.#usage,
      model: this.#model,
    };
  }

  /** Closes the open items; `response.completed` (or `response.incomplete`) with the whole response. */
  finish(usage?: Usage): { events: ResponseEvent[]; response: ResponseObject; parts: AnswerParts } {
    const events: ResponseEvent[] = [];
    const incomplete = this.#finishReason === 'length' || this.#finishReason === 'content_filter';
    this.#close(events, incomplete ? 'incomplete' : 'completed');
    const parts = this.parts(usage);
    const response = buildResponse(this.shell, parts, [...this.#output]);
    events.push(
      this.#event(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response }),
    );
    return { events, response, parts };
  }

  /** After a failure: `response.failed` with what was produced so far, then `error`. */
  fail(error: { code: string | null; message: string; param: string | null }): {
    events: ResponseEvent[];
    response: ResponseObject;
  } {
    const response: ResponseObject = {
      ...buildResponse(this.shell, this.parts(), [...this.#output]),
      status: 'failed',
      incomplete_details: null,
      error: { code: error.code ?? 'server_error', message: error.message },
    };
    const events = [
      this.#event('response.failed', { response }),
      this.#event('error', { code: error.code, message: error.message, param: error.param }),
    ];
    return { events, response };
  }
}
