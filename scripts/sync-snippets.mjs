#!/usr/bin/env node
// Copies `//#region NAME` ... `//#endregion NAME` blocks of the compiled examples into the README
// code fences that name them, so every TypeScript snippet in a README is code that type-checks and
// runs (examples/test/examples.test.ts runs each example against the provider simulator).
//
//   <!-- snippet: examples/src/engine.ts#basic -->
//   ```ts
//   (replaced by the region, dedented)
//   ```
//
// A region may be split in several parts with the same name (the imports at the top of the file,
// the calls inside `main()`): the parts are joined with one blank line. Marker lines of other
// regions inside a region are dropped.
//
//   node scripts/sync-snippets.mjs          rewrite the READMEs
//   node scripts/sync-snippets.mjs --check  exit 1 and name every stale snippet (test/snippets.test.ts does this)

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const MARKER = /^<!--\s*snippet:\s*(\S+?)#([\w-]+)\s*-->\s*$/;
const FENCE_OPEN = /^```(ts|typescript)\s*$/;
const REGION = /^\s*\/\/\s*#(region|endregion)\s+([\w-]+)\s*$/;

/** The markdown files whose fences are synced: the root README and every package's and app's. */
export function markdownFiles(base = root) {
  const files = [join(base, 'README.md')];
  for (const folder of ['packages', 'apps']) {
    const dir = join(base, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const readme = join(dir, name, 'README.md');
      if (existsSync(readme)) files.push(readme);
    }
  }
  return files.filter((file) => existsSync(file));
}

/** The text of region `name` in `source`: every part, dedented, joined by a blank line. Throws when absent or unclosed. */
export function extractRegion(source, name) {
  const parts = [];
  let current;
  for (const line of source.split('\n')) {
    const marker = REGION.exec(line);
    if (marker && marker[2] === name) {
      if (marker[1] === 'region') {
        if (current) throw new Error(`region ${name} opened twice without an #endregion`);
        current = [];
      } else {
        if (!current) throw new Error(`#endregion ${name} without a #region`);
        parts.push(dedent(current));
        current = undefined;
      }
      continue;
    }
    if (marker) continue; // another region's marker inside this one
    if (current) current.push(line);
  }
  if (current) throw new Error(`region ${name} is never closed`);
  if (parts.length === 0) throw new Error(`no region ${name}`);
  return parts.join('\n\n');
}

function dedent(lines) {
  while (lines.length > 0 && lines[0].trim() === '') lines.shift();
  while (lines.length > 0 && lines.at(-1).trim() === '') lines.pop();
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)[0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut).trimEnd()).join('\n');
}

/**
 * Rewrites every marked fence of `markdown` with its region. `readSource(path)` reads a path relative
 * to the repository root. Returns the new text and one entry per marked fence (`stale` when it changed).
 */
export function syncMarkdown(markdown, readSource) {
  const lines = markdown.split('\n');
  const out = [];
  const snippets = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    out.push(line);
    const marker = MARKER.exec(line);
    if (!marker) continue;
    const [, path, region] = marker;
    const where = `${path}#${region}`;
    if (!FENCE_OPEN.test(lines[index + 1] ?? ''))
      throw new Error(`snippet marker ${where} is not followed by a \`\`\`ts fence`);
    const close = lines.findIndex((candidate, at) => at > index + 1 && candidate.trim() === '```');
    if (close < 0) throw new Error(`the fence after ${where} is never closed`);
    const before = lines.slice(index + 2, close).join('\n');
    const after = extractRegion(readSource(path), region);
    snippets.push({ source: where, stale: before !== after });
    out.push(lines[index + 1], after, '```');
    index = close;
  }
  return { text: out.join('\n'), snippets };
}

/** Fences of TypeScript that no marker names (every README snippet should come from an example). */
export function unmarkedFences(markdown) {
  const lines = markdown.split('\n');
  const found = [];
  let inFence = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith('```')) {
      if (!inFence && FENCE_OPEN.test(line) && !MARKER.test(lines[index - 1] ?? '')) found.push(index + 1);
      inFence = !inFence;
    }
  }
  return found;
}

/** Syncs (or, with `check`, only compares) every README; returns the stale snippets as `file: source#region`. */
export function syncAll({ check = false, base = root } = {}) {
  const readSource = (path) => readFileSync(join(base, path), 'utf8');
  const stale = [];
  for (const file of markdownFiles(base)) {
    const markdown = readFileSync(file, 'utf8');
    const { text, snippets } = syncMarkdown(markdown, readSource);
    for (const snippet of snippets) if (snippet.stale) stale.push(`${relative(base, file)}: ${snippet.source}`);
    if (!check && text !== markdown) writeFileSync(file, text);
  }
  return stale;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const stale = syncAll({ check });
  if (check && stale.length > 0) {
    process.stderr.write(
      `README snippets differ from their example regions (run node scripts/sync-snippets.mjs):\n  ${stale.join('\n  ')}\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write(check ? 'README snippets are in sync\n' : `synced; ${stale.length} snippet(s) updated\n`);
  }
}
