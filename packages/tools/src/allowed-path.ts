import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The real path of `file` when it lies under one of `roots` after resolving symlinks, else undefined.
 * A relative path is resolved against the first root.
 */
export async function resolveAllowed(file: string, roots: string[]): Promise<string | undefined> {
  const absolute = path.resolve(roots[0] ?? process.cwd(), file);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return undefined;
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = await realpath(path.resolve(root));
    } catch {
      continue;
    }
    if (real === realRoot || real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep)) return real;
  }
  return undefined;
}
