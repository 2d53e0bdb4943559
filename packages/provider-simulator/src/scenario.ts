/** A parsed scenario: `http-429?retry_after=2` → name `http-429`, params `{ retry_after: '2' }`. */
export interface Scenario {
  name: string;
  params: URLSearchParams;
  /** The scenario as written. */
  text: string;
}

export const scenarioNames: readonly string[] = [
  'ok',
  'latency',
  'http-400',
  'http-401',
  'http-404',
  'http-429',
  'http-500',
  'http-502',
  'http-503',
  'http-500-once',
  'fail-times',
  'reset-before-headers',
  'no-response',
  'slow-first-token',
  'stream-cut',
  'stream-stall',
  'malformed-chunk',
  'stream-error',
  'missing-done',
  'long-stream',
  'context-length',
  'refuse-prefill',
  'content-filter',
  'key-invalid',
  'key-invalid-200',
  'billing',
];

const okScenario: Scenario = { name: 'ok', params: new URLSearchParams(), text: 'ok' };

export function parseScenario(text: string): Scenario {
  if (text === 'ok') return okScenario;
  const question = text.indexOf('?');
  if (question < 0) return { name: text, params: new URLSearchParams(), text };
  return { name: text.slice(0, question), params: new URLSearchParams(text.slice(question + 1)), text };
}

/** Splits `glm-4.6~http-503` into the model and the scenario text. */
export function splitModel(model: string): { model: string; scenario: string | undefined } {
  const tilde = model.indexOf('~');
  if (tilde < 0) return { model, scenario: undefined };
  return { model: model.slice(0, tilde), scenario: model.slice(tilde + 1) };
}

/** Reads a non-negative number parameter, falling back to `fallback`. */
export function numberParam(scenario: Scenario, name: string, fallback: number): number {
  const raw = scenario.params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}
