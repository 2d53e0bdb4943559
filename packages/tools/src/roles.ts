import { z } from 'zod';
import type { RoleConfig, RoleDefinition } from './types.js';

/** The roles shipped by default. Prompts are deliberately short: they steer, the user's prompt carries the task. */
export const DEFAULT_ROLES: Readonly<RoleConfig> = Object.freeze({
  architect: {
    model: 'glm',
    systemPrompt:
      'You are a software architect. Reason about structure, boundaries, data flow and trade-offs. Prefer simple ' +
      'designs; name the risks of each option.',
    stance: 'neutral',
  },
  analyzer: {
    model: 'kimi',
    systemPrompt:
      'You are a careful analyst. Read the material closely, separate facts from guesses, and report findings ' +
      'with the evidence (file and line) for each.',
    stance: 'neutral',
  },
  coder: {
    model: 'minimax',
    systemPrompt:
      'You are a pragmatic senior engineer. Give working, minimal code changes with a one-line reason for each; ' +
      'keep the existing style.',
    stance: 'for',
  },
  validator: {
    model: 'gpt',
    systemPrompt:
      'You are a sceptical validator. Look for what is wrong, missing or unproven; state what would have to be ' +
      'true for the claim to hold.',
    stance: 'against',
  },
  reviewer: {
    model: 'kimi',
    systemPrompt:
      'You are a code reviewer. Report bugs, security issues, and maintainability problems by severity, each with ' +
      'location and a concrete fix.',
    stance: 'neutral',
  },
});

const roleSchema = z.object({
  model: z.string().min(1).optional(),
  systemPrompt: z.string().optional(),
  stance: z.enum(['for', 'against', 'neutral']).optional(),
});
const rolesSchema = z.record(z.string().min(1), roleSchema);

/** Parses `EXAI_ROLES` (a JSON object of role name → partial role). Throws a TypeError naming the bad field. */
export function parseRolesEnv(text: string | undefined): Record<string, Partial<RoleDefinition>> {
  if (!text?.trim()) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TypeError('EXAI_ROLES is not valid JSON');
  }
  const parsed = rolesSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new TypeError(`EXAI_ROLES is invalid: ${issues.join('; ')}`);
  }
  return parsed.data as Record<string, Partial<RoleDefinition>>;
}

/** Defaults, then each override layer in order; a new role needs a model. */
export function mergeRoles(...layers: Array<Partial<Record<string, Partial<RoleDefinition> | undefined>>>): RoleConfig {
  const roles: RoleConfig = { ...DEFAULT_ROLES };
  for (const layer of layers) {
    for (const [name, override] of Object.entries(layer)) {
      if (!override) continue;
      const base = roles[name];
      const model = override.model ?? base?.model;
      if (!model) throw new TypeError(`role '${name}' needs a model`);
      const stance = override.stance ?? base?.stance;
      roles[name] = {
        model,
        systemPrompt: override.systemPrompt ?? base?.systemPrompt ?? '',
        ...(stance ? { stance } : {}),
      };
    }
  }
  return roles;
}
