import { readFileSync } from 'node:fs';
import { parseSettings, type Settings } from '@exai/core/settings';
import { selectFrom } from './select.js';
import type { ListedTool, ToolProfile } from './types.js';

let snapshot: Array<ListedTool & { profile: ToolProfile }> | undefined;

/**
 * The tools a registry built with the same settings lists (name, title, description, JSON schemas,
 * annotations; same order), without loading the engine, the store or zod: read from `listing.json`,
 * which the build writes from the tool specs (scripts/write-listing.mjs). An MCP server answers
 * `tools/list` from it while the engine loads. Settings are assumed valid (the apps check them first);
 * `parsed`: the caller's already parsed settings of `env`, to skip parsing them again.
 */
export function toolListing(
  env: Record<string, string | undefined> = process.env,
  profile?: ToolProfile,
  parsed?: Partial<Pick<Settings, 'EXAI_TOOL_PROFILE' | 'EXAI_ENABLED_TOOLS' | 'EXAI_DISABLED_TOOLS'>>,
): ListedTool[] {
  snapshot ??= JSON.parse(readFileSync(new URL('./listing.json', import.meta.url), 'utf8')) as Array<
    ListedTool & { profile: ToolProfile }
  >;
  const settings = parsed ?? parseSettings(env).settings;
  const names = selectFrom(
    snapshot,
    profile ?? settings.EXAI_TOOL_PROFILE ?? 'standard',
    settings.EXAI_ENABLED_TOOLS,
    settings.EXAI_DISABLED_TOOLS,
  );
  return snapshot.filter((tool) => names.includes(tool.name)).map(({ profile: _profile, ...tool }) => tool);
}
