/** The dialect-neutral answer the simulator gives to a chat request; dialects only dress it. */
export interface ToolCall {
  index: number;
  name: string;
  arguments: string;
  /** `builtin_function` for Kimi's `$web_search`, `function` otherwise. */
  type: 'function' | 'builtin_function';
}

export interface Answer {
  content: string;
  reasoning: string | undefined;
  toolCalls: ToolCall[];
  finishReason: 'stop' | 'tool_calls';
  /** The request's `stop` sequence the content was cut at; reported as vLLM's `stop_reason` on the choice. */
  stopSequence?: string;
  promptTokens: number;
  /** Prompt tokens served from the simulated context cache (a prefix seen before); part of `promptTokens`. */
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** The last user text (first 200 characters). */
  userText: string;
  /** True when GLM's `web_search` tool was enabled. */
  webSearch: boolean;
  /** A stream piece also ends at this content character (a cut inside a word, `chars=N`). */
  splitAt?: number;
}

/** What a request asks to be continued: the partial answer and the conversation it answers. */
interface Continuation {
  base: ChatMessage[];
  content: string;
  reasoning: string;
}

/**
 * A request to continue a partial answer: a final assistant message (prefill), or an assistant
 * message followed by a user message asking to continue it (the instruction form).
 */
function continuationOf(messages: ChatMessage[]): Continuation | undefined {
  const last = messages.at(-1);
  const reasoningOf = (message: ChatMessage) =>
    typeof message.reasoning_content === 'string' ? message.reasoning_content : '';
  if (last?.role === 'assistant') {
    return { base: messages.slice(0, -1), content: contentText(last.content), reasoning: reasoningOf(last) };
  }
  const before = messages.at(-2);
  if (last?.role === 'user' && before?.role === 'assistant' && /\bcontinue\b/i.test(contentText(last.content))) {
    return { base: messages.slice(0, -2), content: contentText(before.content), reasoning: reasoningOf(before) };
  }
  return undefined;
}

/**
 * A continuation behaves like an ideal model: it answers with exactly the rest of the answer the
 * conversation would have got (less `overlap` characters repeated), so a spliced answer can be
 * compared byte for byte with an uninterrupted one. Undefined when the partial text is not a
 * start of that answer (then the request is an ordinary one).
 */
function continueAnswer(body: Record<string, unknown>, options: AnswerOptions, messages: ChatMessage[]) {
  const continuation = continuationOf(messages);
  if (!continuation || continuation.base.length === 0) return undefined;
  const full = buildAnswer({ ...body, messages: continuation.base }, { ...options, overlap: 0 });
  if (full.toolCalls.length > 0) return undefined;
  const back = options.overlap ?? 0;
  const rest = (whole: string, given: string) => whole.slice(Math.max(0, given.length - back));
  if (continuation.content !== '') {
    if (!full.content.startsWith(continuation.content) || continuation.content.length >= full.content.length) {
      return undefined;
    }
    return { ...full, content: rest(full.content, continuation.content), reasoning: undefined };
  }
  if (continuation.reasoning !== '' && full.reasoning?.startsWith(continuation.reasoning)) {
    return { ...full, reasoning: rest(full.reasoning, continuation.reasoning) };
  }
  return undefined;
}

export interface ChatMessage {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_call_id?: unknown;
  reasoning_content?: unknown;
}

interface FunctionTool {
  type?: unknown;
  function?: { name?: unknown; parameters?: { properties?: Record<string, { type?: unknown }>; required?: unknown } };
}

export interface AnswerOptions {
  thinking: boolean;
  /** Pads the content so a stream has at least this many content chunks (for cut/stall scenarios). */
  minimumWords?: number;
  /** Pads each filler word to this many characters (for long streams of big chunks). */
  fillerBytes?: number;
  /** Pads the content to more than this many characters (for cuts at a character, `chars=N`). */
  minimumChars?: number;
  /** A continuation repeats this many characters of the text it was given before the rest (`overlap=N`). */
  overlap?: number;
}

/** The content cut before the earliest of the request's `stop` sequences, and the sequence that matched. */
function applyStop(content: string, stop: unknown): { content: string; stopSequence?: string } {
  const sequences = (Array.isArray(stop) ? stop : [stop]).filter(
    (item): item is string => typeof item === 'string' && item !== '',
  );
  let best: { at: number; sequence: string } | undefined;
  for (const sequence of sequences) {
    const at = content.indexOf(sequence);
    if (at !== -1 && (best === undefined || at < best.at)) best = { at, sequence };
  }
  return best ? { content: content.slice(0, best.at), stopSequence: best.sequence } : { content };
}

/** Joins a message's content, whether a string or an array of parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let text = '';
    for (const part of content) {
      if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        text += (text ? ' ' : '') + (part as { text: string }).text;
      }
    }
    return text;
  }
  return '';
}

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

function argumentsFor(tool: FunctionTool, userText: string): string {
  const parameters = tool.function?.parameters;
  const required = Array.isArray(parameters?.required) ? (parameters.required as unknown[]) : [];
  const value: Record<string, string> = {};
  for (const name of required) {
    if (typeof name !== 'string') continue;
    const type = parameters?.properties?.[name]?.type;
    if (type === undefined || type === 'string') value[name] = userText;
  }
  return JSON.stringify(value);
}

export function buildAnswer(body: Record<string, unknown>, options: AnswerOptions): Answer {
  const messages = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
  const continued = continueAnswer(body, options, messages);
  if (continued) {
    let promptChars = 0;
    for (const message of messages) promptChars += contentText(message?.content).length;
    const reasoningTokens = continued.reasoning ? estimateTokens(continued.reasoning) : 0;
    return {
      ...continued,
      promptTokens: Math.max(1, Math.ceil(promptChars / 4)),
      completionTokens: estimateTokens(continued.content) + reasoningTokens,
      reasoningTokens,
    };
  }
  let promptChars = 0;
  let userText = '';
  for (const message of messages) {
    const text = contentText(message?.content);
    promptChars += text.length;
    if (message?.role === 'user') userText = text;
  }
  userText = userText.slice(0, 200);
  const tools = Array.isArray(body.tools) ? (body.tools as FunctionTool[]) : [];
  const functionTools = tools.filter((tool) => tool?.type === 'function' && typeof tool.function?.name === 'string');
  const kimiSearch = tools.some((tool) => tool?.type === 'builtin_function' && tool.function?.name === '$web_search');
  const webSearch = tools.some((tool) => tool?.type === 'web_search');
  const last = messages[messages.length - 1];
  const toolsAllowed = body.tool_choice !== 'none';

  let content = '';
  const toolCalls: ToolCall[] = [];
  if (last?.role === 'tool') {
    const results: string[] = [];
    for (let index = messages.length - 1; index >= 0 && messages[index]?.role === 'tool'; index--) {
      results.unshift(contentText(messages[index]?.content));
    }
    content = `Tool results: ${results.join(' | ')}`;
  } else if (last?.role === 'user' && toolsAllowed && kimiSearch) {
    const search = { search_result: { search_id: `sim-search-${userText.length}` }, usage: { total_tokens: 42 } };
    toolCalls.push({ index: 0, name: '$web_search', arguments: JSON.stringify(search), type: 'builtin_function' });
  } else if (last?.role === 'user' && toolsAllowed && functionTools.length > 0) {
    const count = userText.includes('parallel') ? 2 : 1;
    for (let index = 0; index < count; index++) {
      const tool = functionTools[index] ?? functionTools[0]!;
      toolCalls.push({
        index,
        name: tool.function!.name as string,
        arguments: argumentsFor(tool, userText),
        type: 'function',
      });
    }
  } else {
    content = `Simulated answer to: ${userText}`;
  }
  if (options.minimumWords !== undefined && toolCalls.length === 0) {
    let words = content.split(' ').length;
    const size = options.fillerBytes ?? 0;
    while (words < options.minimumWords) content += ` ${`filler-${words++}-`.padEnd(size, 'x')}`;
  }
  if (options.minimumChars !== undefined && toolCalls.length === 0) {
    let words = content.split(' ').length;
    while (content.length <= options.minimumChars) content += ` filler-${words++}`;
  }
  const stopped = applyStop(content, body.stop);
  content = stopped.content;
  const reasoning = options.thinking ? `Thinking about: ${userText}` : undefined;
  const reasoningTokens = reasoning ? estimateTokens(reasoning) : 0;
  let completionTokens = estimateTokens(content) + reasoningTokens;
  for (const call of toolCalls) completionTokens += estimateTokens(call.arguments) + 4;
  return {
    content,
    reasoning,
    toolCalls,
    finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    ...(stopped.stopSequence === undefined ? {} : { stopSequence: stopped.stopSequence }),
    promptTokens: Math.max(1, Math.ceil(promptChars / 4)),
    cachedTokens: 0,
    completionTokens,
    reasoningTokens,
    userText,
    webSearch,
    ...(options.minimumChars !== undefined ? { splitAt: options.minimumChars } : {}),
  };
}

/** Splits text into stream pieces: one word (with its leading space) each; a piece also ends at `splitAt`. */
export function splitWords(text: string, splitAt?: number): string[] {
  if (text === '') return [];
  const pieces: string[] = [];
  let start = 0;
  for (let index = 1; index < text.length; index++) {
    if (text.charCodeAt(index) === 32 || index === splitAt) {
      pieces.push(text.slice(start, index));
      start = index;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}
