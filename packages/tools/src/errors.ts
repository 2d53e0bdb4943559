import { GatewayError } from '@exai/core';
import type { z } from 'zod';
import type { ToolResult } from './types.js';

/** A failure the calling model can act on: what went wrong, then a hint. */
export function failure(what: string, hint: string, structured?: Record<string, unknown>): ToolResult {
  return { isError: true, content: `${what}. Hint: ${hint}`, ...(structured ? { structured } : {}) };
}

/** One line per bad field, e.g. `prompt: expected string, received undefined`. */
export function invalidArguments(tool: string, error: z.ZodError): ToolResult {
  const fields = error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
    return `${path || '(arguments)'}: ${issue.message}`;
  });
  return failure(
    `invalid arguments for ${tool}: ${fields.join('; ')}`,
    `fix the named field(s) and call ${tool} again; tools/list has the schema`,
    {
      error: 'invalid_arguments',
      fields: error.issues.map((issue) => issue.path.join('.')),
    },
  );
}

export interface HintContext {
  /** Aliases of providers other than the failing one, to suggest as an alternative. */
  alternatives: (provider: string | undefined) => string[];
  /** The breaker reset timeout, for "retry in N s". */
  resetTimeoutMs: number;
}

const seconds = (ms: number | undefined, fallback: number) => Math.max(1, Math.ceil((ms ?? fallback) / 1000));

/** A thrown error turned into a tool failure with a hint; never a stack trace. */
export function fromError(error: unknown, context: HintContext): ToolResult {
  if (!GatewayError.isInstance(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return failure(
      `internal error: ${message.split('\n')[0]}`,
      'retry once; if it repeats, call status and report it to the user',
      { error: 'internal' },
    );
  }
  const provider = error.provider;
  const other = context.alternatives(provider)[0];
  const orOther = other ? ` or pass model '${other}'` : '';
  const structured = {
    error: error.code,
    ...(provider ? { provider } : {}),
    ...(error.model ? { model: error.model } : {}),
  };
  switch (error.code) {
    case 'not_found':
      if (error.param === 'model')
        return failure(
          `unknown model '${error.model ?? '?'}'`,
          'call listmodels for the models and roles available',
          structured,
        );
      if (error.param === 'continuation_id')
        return failure(
          error.message.split(';')[0] ?? error.message,
          'start a new thread without continuation_id, or call threads to list stored ones',
          structured,
        );
      return failure(
        error.message,
        'check the id; list tools (threads, files, listmodels) show valid ones',
        structured,
      );
    case 'circuit_open':
      return failure(
        `provider ${provider ?? '?'} circuit open`,
        `retry in ${seconds(error.retryAfterMs, context.resetTimeoutMs)} s${orOther}`,
        structured,
      );
    case 'rate_limited':
    case 'overloaded':
    case 'queue_full':
      return failure(
        `provider ${provider ?? 'gateway'} ${error.code.replace('_', ' ')}: ${error.message}`,
        `retry in ${seconds(error.retryAfterMs, 5_000)} s${orOther}`,
        structured,
      );
    case 'timeout':
    case 'network':
    case 'server':
    case 'stream_interrupted':
      return failure(
        `provider ${provider ?? '?'} failed (${error.code}): ${error.message}`,
        `retry${orOther}; a partial answer was discarded`,
        structured,
      );
    case 'context_length':
      return failure(
        `too long for model ${error.model ?? '?'}: ${error.message}`,
        'send fewer or smaller files, start a new thread, or pick a model with a larger context (listmodels)',
        structured,
      );
    case 'auth':
      return failure(
        `the gateway refused the API key: ${error.message}`,
        'check the key the client sends to the gateway',
        structured,
      );
    case 'upstream_auth':
    case 'upstream_billing':
      return failure(
        `provider ${provider ?? '?'} rejected the gateway's ` +
          `${error.code === 'upstream_billing' ? 'account (balance or quota)' : 'credentials'}: ${error.message}`,
        `the gateway operator must renew the provider's key or balance; meanwhile${orOther || ' use another model'}`,
        structured,
      );
    case 'content_filter':
      return failure(
        `blocked by provider ${provider ?? '?'}'s content filter`,
        `rephrase the request${orOther}`,
        structured,
      );
    case 'store_unavailable':
      // The gateway's own database, not the provider: retrying another model would not help.
      return failure(
        error.message,
        'the gateway cannot reach its own database right now; retry in a few seconds, and tell the user if it persists',
        { error: error.code },
      );
    case 'budget_exceeded':
      return failure(
        error.message,
        "this API key's budget is spent until the reset time in the message; tell the user, do not retry",
        structured,
      );
    case 'cancelled':
      return failure('cancelled', 'the call was aborted by the client; call again if still needed', structured);
    case 'bad_request':
      return failure(
        `bad request${error.param ? ` (${error.param})` : ''}: ${error.message}`,
        'fix the argument and call again',
        structured,
      );
  }
}
