import { BadRequestError } from '@exai/core';
import type { ModelRoute } from './mapping.js';

/**
 * The configuration's `modelMap` (glob → route) applied to the model a client names: Claude Code
 * sends `claude-sonnet-*`, `claude-haiku-*` (its small background requests) and `claude-opus-*`.
 */

const compiled = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal; case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  let pattern = compiled.get(glob);
  if (!pattern) {
    const source = glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    pattern = new RegExp(`^${source}$`, 'i');
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(glob, pattern);
  }
  return pattern;
}

/** The first entry whose glob matches `model`, in the order the map was written. */
export function findMapEntry(
  model: string,
  map: Readonly<Record<string, string | string[]>>,
): { glob: string; names: string[] } | undefined {
  for (const [glob, route] of Object.entries(map)) {
    if (globToRegExp(glob).test(model)) return { glob, names: Array.isArray(route) ? route : [route] };
  }
  return undefined;
}

/**
 * Where a request for `model` goes. A map entry wins (its names that no configured provider serves
 * are skipped); without one the name goes to the engine as written. Neither → 400 naming `model`.
 * `whyUnserved(name)` is undefined when the engine can route `name`, else the reason it cannot.
 */
export function routeModel(
  model: string,
  map: Readonly<Record<string, string | string[]>>,
  whyUnserved: (name: string) => string | undefined,
): ModelRoute {
  const entry = findMapEntry(model, map);
  if (entry) {
    const usable = entry.names.filter((name) => whyUnserved(name) === undefined);
    const [first, ...rest] = usable;
    if (first === undefined) {
      throw new BadRequestError({
        message:
          `Invalid request body: 'model': '${model.slice(0, 200)}' maps to ${entry.names.join(', ')} ` +
          `(modelMap '${entry.glob}'), and no configured provider serves any of them`,
        param: 'model',
      });
    }
    return { model: first, ...(rest.length > 0 ? { models: rest } : {}) };
  }
  const why = whyUnserved(model);
  if (why !== undefined) {
    throw new BadRequestError({
      message: `Invalid request body: 'model': ${why}; no modelMap entry matches it either`,
      param: 'model',
    });
  }
  return { model };
}
