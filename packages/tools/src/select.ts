import type { ToolProfile } from './types.js';

/** Always listed, whatever the profile or `disabled` say. */
export const ALWAYS_ON = ['listmodels', 'version'] as const;

const RANK: Record<ToolProfile, number> = { lean: 0, standard: 1, full: 2 };

/**
 * The names of `tools` (in their order) a profile plus `enabled`, minus `disabled`, selects; unknown
 * names throw. Shared by the registry and the build-time listing (`@exai/tools/listing`).
 */
export function selectFrom(
  tools: ReadonlyArray<{ name: string; profile: ToolProfile }>,
  profile: ToolProfile,
  enabled: string[] = [],
  disabled: string[] = [],
): string[] {
  const known = new Set(tools.map((tool) => tool.name));
  for (const name of [...enabled, ...disabled]) {
    if (!known.has(name)) throw new TypeError(`unknown tool '${name}' (known: ${[...known].join(', ')})`);
  }
  return tools
    .filter((tool) => {
      if ((ALWAYS_ON as readonly string[]).includes(tool.name)) return true;
      if (disabled.includes(tool.name)) return false;
      return RANK[tool.profile] <= RANK[profile] || enabled.includes(tool.name);
    })
    .map((tool) => tool.name);
}
