import type { Dialect } from '../types.js';
import { glmDialect } from './glm.js';
import { kimiDialect } from './kimi.js';
import { minimaxDialect } from './minimax.js';
import { openaiDialect } from './openai.js';
import type { DialectSpec } from './types.js';

export const dialects: Record<Dialect, DialectSpec> = {
  openai: openaiDialect,
  glm: glmDialect,
  kimi: kimiDialect,
  minimax: minimaxDialect,
};

/** Where each dialect lives under the simulator's URL. */
export const basePaths: Record<Dialect, string> = {
  openai: '/v1',
  glm: '/glm/api/paas/v4',
  kimi: '/kimi/v1',
  minimax: '/minimax/v1',
};

export const glmCodingPlanPath = '/glm/api/coding/paas/v4';

/** Finds the dialect of a path and the rest after its base, e.g. `/kimi/v1/files` → kimi, `/files`. */
export function routeDialect(path: string): { dialect: Dialect; rest: string } | undefined {
  if (path.startsWith('/v1/')) return { dialect: 'openai', rest: path.slice(3) };
  if (path === '/chat/completions' || path === '/models' || path.startsWith('/files')) {
    return { dialect: 'openai', rest: path };
  }
  if (path.startsWith('/glm/')) {
    if (path.startsWith(`${basePaths.glm}/`)) return { dialect: 'glm', rest: path.slice(basePaths.glm.length) };
    if (path.startsWith(`${glmCodingPlanPath}/`)) return { dialect: 'glm', rest: path.slice(glmCodingPlanPath.length) };
    return undefined;
  }
  if (path.startsWith('/kimi/v1/')) return { dialect: 'kimi', rest: path.slice(8) };
  if (path.startsWith('/minimax/v1/')) return { dialect: 'minimax', rest: path.slice(11) };
  return undefined;
}
