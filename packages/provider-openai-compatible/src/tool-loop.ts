import {
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type FunctionTool,
  GatewayError,
  type ProviderAdapter,
  type Tool,
  type ToolCall,
} from '@exai/core';

export interface ToolLoopContext {
  /** Aborted when the loop is cancelled or the tool's timeout passes. */
  signal: AbortSignal;
  toolCallId: string;
}

export interface ToolLoopTool {
  name: string;
  description?: string;
  /** JSON schema of the arguments object. */
  parameters?: Record<string, unknown>;
  /** Returns the result: a string is sent as is, anything else as JSON. */
  handler: (args: Record<string, unknown>, context: ToolLoopContext) => unknown;
}

export interface ToolLoopStep {
  /** 0-based step number (one model call per step). */
  index: number;
  request: ChatRequest;
}

/** Wraps every model call (session manager, circuit breaker...). Must call `call` at most once per attempt. */
export type StepExecutor = (
  step: ToolLoopStep,
  call: (signal?: AbortSignal) => Promise<ChatResponse>,
) => Promise<ChatResponse>;

export interface ToolLoopOptions {
  adapter: ProviderAdapter;
  /** The first request; its `tools` may hold provider built-ins, the registered tools are added. */
  request: ChatRequest;
  tools: readonly ToolLoopTool[];
  /** Model calls before the loop stops. Default 8. */
  maxSteps?: number;
  /** Per tool call. Default 60 000 ms. */
  toolTimeoutMs?: number;
  /**
   * At the step limit: `'error'` throws ToolLoopLimitError (default); `'final-answer'` makes one more call with
   * `tool_choice: 'none'`.
   */
  onStepLimit?: 'error' | 'final-answer';
  signal?: AbortSignal;
  /** Default: `call(signal)`. */
  execute?: StepExecutor;
  /** Called after each model response and its tool results. */
  onStep?: (step: ToolLoopStep & { response: ChatResponse; toolResults: ChatMessage[] }) => void;
}

export interface ToolLoopResult {
  /** The final response (no more tool calls). */
  response: ChatResponse;
  /** The whole conversation: the request's messages, every assistant turn and every tool result. */
  messages: ChatMessage[];
  /** Model calls made. */
  steps: number;
}

/** The loop reached `maxSteps` with the model still calling tools. */
export class ToolLoopLimitError extends Error {
  readonly steps: number;
  readonly messages: ChatMessage[];
  constructor(steps: number, messages: ChatMessage[]) {
    super(`Tool loop stopped after ${steps} steps with the model still calling tools`);
    this.name = 'ToolLoopLimitError';
    this.steps = steps;
    this.messages = messages;
  }
}

function toFunctionTool(tool: ToolLoopTool): FunctionTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.parameters ?? { type: 'object', properties: {} },
    },
  };
}

/** The loop's signal was aborted: its reason when that is a GatewayError, otherwise `cancelled`. */
function abortError(signal: AbortSignal): GatewayError {
  if (GatewayError.isInstance(signal.reason)) return signal.reason;
  return new GatewayError('cancelled', { message: 'The tool loop was cancelled', cause: signal.reason });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runTool(
  call: ToolCall,
  tools: ReadonlyMap<string, ToolLoopTool>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<string> {
  // Provider built-ins (Kimi `$web_search`): the provider did the work; echo the arguments back.
  if (call.function.name.startsWith('$')) return call.function.arguments;
  const tool = tools.get(call.function.name);
  if (!tool)
    return JSON.stringify({
      error: `Unknown tool "${call.function.name}". Available: ${[...tools.keys()].join(', ')}`,
    });
  let args: Record<string, unknown>;
  try {
    const parsed: unknown = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('arguments must be a JSON object');
    args = parsed as Record<string, unknown>;
  } catch (error) {
    return JSON.stringify({ error: `Invalid arguments for ${tool.name}: ${describe(error)}` });
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`Tool ${tool.name} timed out after ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const aborted = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => {});
  timeout.catch(() => {});
  try {
    const result = await Promise.race([
      Promise.resolve(tool.handler(args, { signal: controller.signal, toolCallId: call.id })),
      timeout,
      aborted,
    ]);
    return typeof result === 'string' ? result : JSON.stringify(result ?? null);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    return JSON.stringify({ error: `Tool ${tool.name} failed: ${describe(error)}` });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A multi-step tool-calling conversation on any adapter: call the model, run the tools it asks
 * for (concurrently), feed the results back as `tool` messages, repeat until it answers.
 * The assistant turn is kept whole (content, `reasoning_content`, `tool_calls`) for providers
 * that need reasoning carried between turns. Tool failures are returned to the model as errors.
 */
export async function runToolLoop(options: ToolLoopOptions): Promise<ToolLoopResult> {
  const maxSteps = options.maxSteps ?? 8;
  const toolTimeoutMs = options.toolTimeoutMs ?? 60_000;
  const execute: StepExecutor = options.execute ?? ((_step, call) => call(options.signal));
  const registry = new Map(options.tools.map((tool) => [tool.name, tool]));
  const registeredNames = new Set(registry.keys());
  const requestTools: Tool[] = [
    ...(options.request.tools ?? []).filter(
      (tool) => tool.type !== 'function' || !registeredNames.has((tool as FunctionTool).function.name),
    ),
    ...options.tools.map(toFunctionTool),
  ];
  const messages: ChatMessage[] = [...options.request.messages];
  const callModel = (index: number, request: ChatRequest) =>
    execute({ index, request }, (signal) => {
      const effective = signal ?? options.signal;
      return options.adapter.chat(request, effective ? { signal: effective } : {});
    });

  for (let index = 0; index < maxSteps; index += 1) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const request: ChatRequest = {
      ...options.request,
      messages: [...messages],
      ...(requestTools.length ? { tools: requestTools } : {}),
    };
    const response = await callModel(index, request);
    const message = response.choices[0]?.message;
    if (!message) return { response, messages, steps: index + 1 };
    const assistant: ChatMessage = { role: 'assistant', content: message.content ?? null };
    if (message.reasoning_content) assistant.reasoning_content = message.reasoning_content;
    if (message.tool_calls?.length) assistant.tool_calls = message.tool_calls;
    messages.push(assistant);
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) {
      options.onStep?.({ index, request, response, toolResults: [] });
      return { response, messages, steps: index + 1 };
    }
    const results = await Promise.all(calls.map((call) => runTool(call, registry, toolTimeoutMs, options.signal)));
    if (options.signal?.aborted) throw abortError(options.signal);
    const toolResults: ChatMessage[] = calls.map((call, position) => ({
      role: 'tool',
      tool_call_id: call.id,
      name: call.function.name,
      content: results[position]!,
    }));
    messages.push(...toolResults);
    options.onStep?.({ index, request, response, toolResults });
  }

  if (options.onStepLimit === 'final-answer') {
    const request: ChatRequest = {
      ...options.request,
      messages: [...messages],
      ...(requestTools.length ? { tools: requestTools, tool_choice: 'none' } : {}),
    };
    const response = await callModel(maxSteps, request);
    const message = response.choices[0]?.message;
    if (message)
      messages.push({
        role: 'assistant',
        content: message.content ?? null,
        ...(message.reasoning_content ? { reasoning_content: message.reasoning_content } : {}),
      });
    return { response, messages, steps: maxSteps + 1 };
  }
  throw new ToolLoopLimitError(maxSteps, messages);
}
