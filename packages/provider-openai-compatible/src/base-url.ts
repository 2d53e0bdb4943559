import { type Env, readEnv } from '@exai/core';

/**
 * The one rule every provider factory follows for its base URL: an explicit `baseURL` wins, then
 * an explicit `region`, then the provider's `*_BASE_URL` variable, then the international URL.
 */
export function resolveBaseURL<Region extends string>(
  settings: { baseURL?: string | undefined; region?: Region | undefined; env?: Env | undefined },
  urls: Readonly<Record<Region, string>> & { international: string },
  envName: string,
): string {
  if (settings.baseURL) return settings.baseURL;
  if (settings.region) return urls[settings.region];
  return readEnv(settings.env ?? process.env, [envName]) ?? urls.international;
}
