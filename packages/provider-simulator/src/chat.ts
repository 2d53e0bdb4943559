import { buildAnswer } from './answer.js';
import type { Exchange } from './exchange.js';
import { errorReply, play, type Reply, send } from './reply.js';
import { numberParam, parseScenario, type Scenario, splitModel } from './scenario.js';

const partialScenarios = new Set(['stream-cut', 'stream-stall', 'malformed-chunk', 'stream-error', 'missing-done']);

function thinkingWanted(exchange: Exchange, body: Record<string, unknown>, model: string): boolean {
  const thinking = body.thinking as { type?: unknown } | undefined;
  if (thinking?.type === 'enabled') return true;
  if (thinking?.type === 'disabled') return false;
  return model.includes('thinking') || model.includes('reasoner') || exchange.spec.thinksByDefault(model);
}

/**
 * How many events carry the first `chars` characters of the answer's content (reasoning and `<think>` blocks not
 * counted).
 */
function eventsThrough(events: unknown[], chars: number): number {
  let seen = '';
  for (const [index, event] of events.entries()) {
    const delta = (event as { choices?: Array<{ delta?: { content?: unknown } }> }).choices?.[0]?.delta;
    if (typeof delta?.content === 'string') seen += delta.content;
    const thinkEnd = seen.indexOf('</think>\n\n');
    const visible = seen.startsWith('<think>') ? (thinkEnd < 0 ? '' : seen.slice(thinkEnd + 10)) : seen;
    if (chars > 0 && visible.length >= chars) return index + 1;
  }
  return events.length;
}

/** Parses a JSON request body; undefined when it is not a JSON object. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Picks the scenario text: header, then `~` suffix, then a script for the model, then `ok`. */
export function chooseScenario(exchange: Exchange, suffix: string | undefined, model: string | null): string {
  const header = exchange.request.headers['x-sim-scenario'];
  if (typeof header === 'string' && header !== '') return header;
  if (suffix) return suffix;
  if (model !== null) return exchange.state.scripts.get(model) ?? 'ok';
  return 'ok';
}

/**
 * Reads a model request (chat, embeddings) into the attempt: its body, model and scenario. Undefined, with a
 * 400 sent, when the body is not a JSON object.
 */
export function openModelRequest(
  exchange: Exchange,
  raw: Buffer,
): { body: Record<string, unknown>; model: string; scenario: Scenario } | undefined {
  const body = parseJsonObject(raw);
  const { attempt } = exchange;
  if (body === undefined) {
    attempt.scenario = chooseScenario(exchange, undefined, null);
    send(exchange, errorReply(exchange, 400, 'bad_request', 'Request body is not a JSON object.'));
    return undefined;
  }
  attempt.body = body;
  attempt.stream = body.stream === true;
  const requested = typeof body.model === 'string' ? body.model : '';
  const { model, scenario: suffix } = splitModel(requested);
  attempt.model = model;
  const scenarioText = chooseScenario(exchange, suffix, model);
  attempt.scenario = scenarioText;
  return { body, model, scenario: parseScenario(scenarioText) };
}

/** `POST {base}/chat/completions` */
export async function handleChat(exchange: Exchange, raw: Buffer): Promise<void> {
  const opened = openModelRequest(exchange, raw);
  if (!opened) return;
  const { body, model, scenario } = opened;
  const { attempt } = exchange;

  const produce = (): Reply => {
    if (model === '') return errorReply(exchange, 400, 'bad_request', 'Missing required parameter: model.');
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return errorReply(exchange, 400, 'bad_request', 'Missing required parameter: messages.');
    }
    const rejection = exchange.spec.validate(body);
    if (rejection?.body !== undefined) return { kind: 'json', status: 400, body: rejection.body };
    if (rejection) return errorReply(exchange, 400, rejection.kind, rejection.message);
    // `missing-done` without `after` is a whole answer; the other partial scenarios stop after 3 by default.
    const after = Number(scenario.params.get('after') ?? (scenario.name === 'missing-done' ? Number.NaN : 3));
    const long = scenario.name === 'long-stream';
    const partial = partialScenarios.has(scenario.name);
    const chars = partial ? numberParam(scenario, 'chars', Number.NaN) : Number.NaN;
    const answer = buildAnswer(body, {
      thinking: thinkingWanted(exchange, body, model),
      minimumWords: long
        ? numberParam(scenario, 'chunks', 1000)
        : partial && Number.isFinite(after)
          ? after + 2
          : undefined,
      ...(long ? { fillerBytes: numberParam(scenario, 'bytes', 0) } : {}),
      ...(Number.isNaN(chars) ? {} : { minimumChars: chars }),
      overlap: numberParam(scenario, 'overlap', 0),
    });
    const cached = exchange.state.cachedPromptTokens(`${exchange.spec.name}\u0000${model}`, body.messages);
    answer.cachedTokens = Math.min(answer.promptTokens, cached);
    const context = { id: `chatcmpl-sim-${attempt.seq}`, created: Math.floor(Date.now() / 1000), model, request: body };
    if (attempt.stream) {
      const events = exchange.spec.chunks(answer, context);
      return { kind: 'stream', events, ...(Number.isNaN(chars) ? {} : { cutAfter: eventsThrough(events, chars) }) };
    }
    return { kind: 'json', status: 200, body: exchange.spec.completion(answer, context) };
  };
  await play(exchange, scenario, `${exchange.spec.name}\u0000${model}\u0000${scenario.name}`, produce);
}
