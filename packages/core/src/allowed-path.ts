import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The one path-safety rule of the gateway (the engine's file context, the tools' uploads): a file may be read
 * when it lies under an allowed root both as written and after resolving symlinks.
 */

export interface AllowedRoot {
  /** The root as configured, made absolute. */
  lexical: string;
  /** The root with symlinks resolved; undefined when the root does not exist. */
  real: string | undefined;
}

export type AllowedPath = { ok: true; real: string } | { ok: false; reason: 'outside_roots' | 'not_found' };

/** Each root made absolute and resolved once, for {@link resolveAllowedPath}. */
export function resolveAllowedRoots(roots: readonly string[]): Promise<AllowedRoot[]> {
  return Promise.all(
    roots.map(async (root) => {
      const lexical = path.resolve(root);
      const real = await realpath(lexical).catch(() => undefined);
      return { lexical, real };
    }),
  );
}

/** True when `child` is `root` or lies below it (both absolute and normalized). */
export function isPathInside(child: string, root: string): boolean {
  const relative = path.relative(root, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The real path of `file` (a relative one is resolved against the first root) when it lies under a root.
 * A path outside every root as written is refused before the file system is touched, so nothing is revealed
 * about it; then the resolved path decides, so a symlink (or a `..` through one) may not lead out.
 */
export async function resolveAllowedPath(file: string, roots: readonly AllowedRoot[]): Promise<AllowedPath> {
  const absolute = path.resolve(roots[0]?.lexical ?? process.cwd(), file);
  if (
    !roots.some(
      (root) => isPathInside(absolute, root.lexical) || (root.real !== undefined && isPathInside(absolute, root.real)),
    )
  ) {
    return { ok: false, reason: 'outside_roots' };
  }
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return { ok: false, reason: 'not_found' };
  }
  if (!roots.some((root) => root.real !== undefined && isPathInside(real, root.real)))
    return { ok: false, reason: 'outside_roots' };
  return { ok: true, real };
}
