import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package boundaries as tests (the MCP SDK's coreBoundary idea):
// 1. every import of an npm or workspace package in a package's src/ or test/ is declared in its
//    package.json (`dependencies`; `devDependencies` or the root's devDependencies for test files only),
//    and every declared @exai/* runtime dependency is imported by its src/;
// 2. no package imports "up" the chain (LAYERS below);
// 3. the arrows of docs/architecture.md's diagram are exactly the @exai/* runtime dependencies.

const root = join(import.meta.dirname, '..');

/** Lower layers first. Source files import only strictly lower layers; test files also their own. */
const LAYERS: readonly (readonly string[])[] = [
  ['@exai/core'],
  [
    '@exai/circuit-breakers',
    '@exai/session-manager',
    '@exai/provider-openai-compatible',
    '@exai/store',
    '@exai/otel',
    '@exai/provider-simulator',
  ],
  ['@exai/provider-openai', '@exai/provider-glm', '@exai/provider-kimi', '@exai/provider-minimax'],
  ['@exai/engine'],
  ['@exai/tools'],
  ['@exai/http-server', '@exai/mcp-server'],
  ['@exai/examples'],
];

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface WorkspacePackage {
  dir: string;
  manifest: Manifest;
}

interface ImportSite {
  file: string;
  specifier: string;
  test: boolean;
}

const readJson = (path: string): Manifest => JSON.parse(readFileSync(path, 'utf8')) as Manifest;

function workspacePackages(): WorkspacePackage[] {
  const dirs = ['packages', 'apps'].flatMap((folder) =>
    readdirSync(join(root, folder)).map((name) => join(root, folder, name)),
  );
  dirs.push(join(root, 'examples'));
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson(join(dir, 'package.json')) }));
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === '__fixtures__') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(name) ? [path] : [];
  });
}

const IMPORT =
  /(?:\bimport\s+(?:type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?|\bexport\s+(?:type\s+)?[\w*{}\s,]+?\s+from\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** Every module specifier a file imports: static, type-only, re-exports, dynamic `import()` and `require()`. */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(IMPORT)].map((match) => match[1]!);
}

const builtins = new Set(builtinModules);

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`), or undefined for relative paths and builtins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtins.has(name) ? undefined : name;
}

const isTestFile = (packageDir: string, file: string) => {
  const path = relative(packageDir, file);
  return /\.test\.[cm]?[jt]sx?$/.test(path) || path.startsWith('test/') || /(^|\/)(test-helpers?|testing)\//.test(path);
};

function importSites(pkg: WorkspacePackage): ImportSite[] {
  return [...sourceFiles(join(pkg.dir, 'src')), ...sourceFiles(join(pkg.dir, 'test'))].flatMap((file) =>
    importsOf(readFileSync(file, 'utf8')).map((specifier) => ({
      file: relative(root, file),
      specifier,
      test: isTestFile(pkg.dir, file),
    })),
  );
}

interface PackageFacts {
  name: string;
  dependencies: readonly string[];
  devDependencies: readonly string[];
  imports: readonly ImportSite[];
}

/** Every broken rule of one package, as readable lines. */
function boundaryViolations(
  facts: PackageFacts,
  layers: readonly (readonly string[])[] = LAYERS,
  rootDevDependencies: readonly string[] = [],
): string[] {
  const layerOf = (name: string) => layers.findIndex((layer) => layer.includes(name));
  const own = layerOf(facts.name);
  const problems: string[] = [];
  if (own < 0) problems.push(`${facts.name} is in no layer of LAYERS`);
  const usedBySource = new Set<string>();
  for (const site of facts.imports) {
    const name = packageOf(site.specifier);
    if (!name || name === facts.name) continue;
    if (!site.test) usedBySource.add(name);
    const declared = site.test
      ? facts.dependencies.includes(name) || facts.devDependencies.includes(name) || rootDevDependencies.includes(name)
      : facts.dependencies.includes(name);
    if (!declared) {
      const where = site.test ? 'dependencies or devDependencies' : 'dependencies';
      problems.push(`${site.file} imports ${name}, not in ${facts.name}'s ${where}`);
    }
    if (name.startsWith('@exai/')) {
      const target = layerOf(name);
      if (target < 0) problems.push(`${site.file} imports ${name}, which is in no layer`);
      else if (target > own || (target === own && !site.test)) {
        problems.push(`${site.file} imports ${name} "up" the chain (layer ${target} from layer ${own})`);
      }
    }
  }
  for (const name of facts.dependencies) {
    if (name.startsWith('@exai/') && !usedBySource.has(name)) {
      problems.push(`${facts.name} declares ${name} in dependencies, but nothing in its src/ imports it`);
    }
  }
  return problems;
}

const exaiDependencies = (manifest: Manifest) =>
  Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@exai/'));

/** `a --> b` as "a -> b" (package names), from the mermaid diagram of docs/architecture.md. */
function diagramArrows(markdown: string): { arrows: string[]; unknownLabels: string[] } {
  const block = /```mermaid\n([\s\S]*?)```/.exec(markdown)?.[1] ?? '';
  const labels = new Map<string, string>();
  for (const match of block.matchAll(/^\s*(\w+)\["([^"<]+)/gm)) labels.set(match[1]!, match[2]!.trim());
  const nameOf = (label: string) => {
    const text = labels.get(label) ?? '';
    const app = /^apps\/([\w-]+)/.exec(text);
    return app ? `@exai/${app[1]}` : /^@exai\/[\w-]+/.exec(text)?.[0];
  };
  const arrows: string[] = [];
  const unknownLabels: string[] = [];
  for (const match of block.matchAll(/^\s*(\w+)(?:\[[^\]]*\])?\s*-->\s*(\w+)\s*$/gm)) {
    const from = nameOf(match[1]!);
    const to = nameOf(match[2]!);
    if (!from) unknownLabels.push(match[1]!);
    if (!to) unknownLabels.push(match[2]!);
    if (from && to) arrows.push(`${from} -> ${to}`);
  }
  return { arrows: arrows.sort(), unknownLabels };
}

/** What the diagram shows and package.json does not, and the reverse. */
function arrowDifferences(diagram: readonly string[], declared: readonly string[]) {
  return {
    onlyInDiagram: diagram.filter((arrow) => !declared.includes(arrow)).sort(),
    onlyInPackageJson: declared.filter((arrow) => !diagram.includes(arrow)).sort(),
  };
}

const packages = workspacePackages();
const published = packages.filter((pkg) => pkg.manifest.name !== '@exai/examples');
const rootDevDependencies = Object.keys(readJson(join(root, 'package.json')).devDependencies ?? {});
const facts = (pkg: WorkspacePackage): PackageFacts => ({
  name: pkg.manifest.name,
  dependencies: [...Object.keys(pkg.manifest.dependencies ?? {}), ...Object.keys(pkg.manifest.peerDependencies ?? {})],
  devDependencies: Object.keys(pkg.manifest.devDependencies ?? {}),
  imports: importSites(pkg),
});
const declaredArrows = published
  .flatMap((pkg) => exaiDependencies(pkg.manifest).map((name) => `${pkg.manifest.name} -> ${name}`))
  .sort();

describe('package boundaries', () => {
  it('every workspace package is in a layer', () => {
    expect(packages.length).toBeGreaterThanOrEqual(14);
    expect(packages.map((pkg) => pkg.manifest.name).filter((name) => !LAYERS.flat().includes(name))).toEqual([]);
  });

  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))(
    '%s: declares what it imports, imports what it declares, never up the chain',
    (_name, pkg) => {
      const found = facts(pkg);
      expect(found.imports.length).toBeGreaterThan(0);
      expect(boundaryViolations(found, LAYERS, rootDevDependencies)).toEqual([]);
    },
  );

  it('reports an upward import, an undeclared one and an unused declaration', () => {
    const core: PackageFacts = {
      name: '@exai/core',
      dependencies: ['zod', '@exai/store'],
      devDependencies: ['fast-check'],
      imports: [
        { file: 'packages/core/src/a.ts', specifier: '@exai/engine', test: false },
        { file: 'packages/core/src/b.ts', specifier: 'pino/file', test: false },
        { file: 'packages/core/src/c.ts', specifier: 'fast-check', test: false },
        { file: 'packages/core/src/c.test.ts', specifier: 'fast-check', test: true },
        { file: 'packages/core/src/d.ts', specifier: 'zod', test: false },
        { file: 'packages/core/src/e.ts', specifier: 'node:fs', test: false },
        { file: 'packages/core/src/f.ts', specifier: './own.js', test: false },
      ],
    };
    expect(boundaryViolations(core)).toEqual([
      "packages/core/src/a.ts imports @exai/engine, not in @exai/core's dependencies",
      'packages/core/src/a.ts imports @exai/engine "up" the chain (layer 3 from layer 0)',
      "packages/core/src/b.ts imports pino, not in @exai/core's dependencies",
      "packages/core/src/c.ts imports fast-check, not in @exai/core's dependencies",
      '@exai/core declares @exai/store in dependencies, but nothing in its src/ imports it',
    ]);
    const sameLayer: PackageFacts = {
      name: '@exai/store',
      dependencies: ['@exai/session-manager'],
      devDependencies: ['@exai/provider-simulator'],
      imports: [
        { file: 'packages/store/src/a.ts', specifier: '@exai/session-manager', test: false },
        { file: 'packages/store/src/a.test.ts', specifier: '@exai/provider-simulator', test: true },
      ],
    };
    expect(boundaryViolations(sameLayer)).toEqual([
      'packages/store/src/a.ts imports @exai/session-manager "up" the chain (layer 1 from layer 1)',
    ]);
  });

  it('reads static, type-only, re-exported, side-effect, dynamic and required imports, not comments', () => {
    const text = [
      "import { a } from 'a';",
      "import type { B } from '@scope/b/sub';",
      "import * as c from 'c';",
      "import 'd';",
      "export { e } from 'e';",
      "export type { F } from 'f';",
      "const g = await import('g');",
      "const h = require('h');",
      "type Y = typeof import('y');",
      "// import { x } from 'commented';",
      "/** import('commented-too') */",
    ].join('\n');
    expect(importsOf(text)).toEqual(['a', '@scope/b/sub', 'c', 'd', 'e', 'f', 'g', 'h', 'y']);
    expect(['@scope/b/sub', 'fs', 'node:fs', './x.js', 'zod'].map(packageOf)).toEqual([
      '@scope/b',
      undefined,
      undefined,
      undefined,
      'zod',
    ]);
  });
});

describe('docs/architecture.md', () => {
  const markdown = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');

  it("the diagram's arrows are exactly the @exai/* runtime dependencies of the package.json files", () => {
    const { arrows, unknownLabels } = diagramArrows(markdown);
    expect(unknownLabels, 'diagram nodes without a package label').toEqual([]);
    expect(arrowDifferences(arrows, declaredArrows)).toEqual({ onlyInDiagram: [], onlyInPackageJson: [] });
  });

  it('reports an arrow added to the diagram, and one added to a package.json', () => {
    const added = markdown.replace(
      /^(\s*)breakers\["[^\n]+\n/m,
      (line, indent: string) => `${line}${indent}breakers --> store\n`,
    );
    expect(added).not.toBe(markdown);
    expect(arrowDifferences(diagramArrows(added).arrows, declaredArrows)).toEqual({
      onlyInDiagram: ['@exai/circuit-breakers -> @exai/store'],
      onlyInPackageJson: [],
    });
    const withExtraDependency = [...declaredArrows, '@exai/tools -> @exai/store'];
    expect(arrowDifferences(diagramArrows(markdown).arrows, withExtraDependency)).toEqual({
      onlyInDiagram: [],
      onlyInPackageJson: ['@exai/tools -> @exai/store'],
    });
  });

  it('an arrow added to the diagram against the layers is also an upward import', () => {
    const upward: PackageFacts = {
      name: '@exai/store',
      dependencies: ['@exai/core', '@exai/engine'],
      devDependencies: [],
      imports: [
        { file: 'packages/store/src/a.ts', specifier: '@exai/core', test: false },
        { file: 'packages/store/src/b.ts', specifier: '@exai/engine', test: false },
      ],
    };
    expect(boundaryViolations(upward)).toEqual([
      'packages/store/src/b.ts imports @exai/engine "up" the chain (layer 3 from layer 1)',
    ]);
  });
});
