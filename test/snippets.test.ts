import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractRegion, markdownFiles, root, syncMarkdown, unmarkedFences } from '../scripts/sync-snippets.mjs';

// Every TypeScript snippet in a README is a region of a compiled, tested example (examples/src);
// `node scripts/sync-snippets.mjs` copies the regions in, this suite fails when one drifted.

const readSource = (path: string) => readFileSync(join(root, path), 'utf8');

describe('README snippets', () => {
  const files = markdownFiles();

  it.each(files.map((file) => relative(root, file)))('%s: every snippet equals its example region', (file) => {
    const markdown = readFileSync(join(root, file), 'utf8');
    const { snippets } = syncMarkdown(markdown, readSource);
    expect(snippets.filter((snippet) => snippet.stale).map((snippet) => snippet.source)).toEqual([]);
  });

  it.each(files.map((file) => relative(root, file)))('%s: every ts fence comes from an example', (file) => {
    expect(
      unmarkedFences(readFileSync(join(root, file), 'utf8')),
      'lines of ```ts fences without a snippet marker',
    ).toEqual([]);
  });

  it('reports a snippet edited in the README but not in its example', () => {
    const file = files.find((candidate) => readFileSync(candidate, 'utf8').includes('<!-- snippet:'))!;
    const markdown = readFileSync(file, 'utf8');
    const edited = markdown.replace(/(<!-- snippet: [^\n]+\n```ts\n)/, '$1// an edit made only in the README\n');
    expect(edited).not.toBe(markdown);
    const { text, snippets } = syncMarkdown(edited, readSource);
    expect(snippets.some((snippet) => snippet.stale)).toBe(true);
    expect(text).toBe(markdown);
  });

  it("extracts a region in parts, dedented, without other regions' markers", () => {
    const source = [
      '//#region a',
      "import { x } from 'x';",
      '//#endregion a',
      'function main() {',
      '  //#region a',
      '  //#region b',
      '  x();',
      '  //#endregion b',
      '    nested();',
      '  //#endregion a',
      '}',
    ].join('\n');
    expect(extractRegion(source, 'a')).toBe("import { x } from 'x';\n\nx();\n  nested();");
    expect(extractRegion(source, 'b')).toBe('x();');
    expect(() => extractRegion(source, 'c')).toThrow(/no region c/);
    expect(() => extractRegion('//#region open\nx', 'open')).toThrow(/never closed/);
  });

  it('finds unmarked ts fences and ignores other languages', () => {
    expect(unmarkedFences('text\n```ts\nx\n```\n```sh\nls\n```\n<!-- snippet: a.ts#b -->\n```ts\ny\n```')).toEqual([2]);
  });
});
