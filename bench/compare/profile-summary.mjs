// Summarises a V8 .cpuprofile (from `BENCH_CPU_PROF=<dir> pnpm bench:compare`): self time by
// package and by function, and inclusive time of the functions named on the command line.
// Usage: node bench/compare/profile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

const [file, topText] = process.argv.slice(2);
if (!file) {
  process.stderr.write('Usage: node bench/compare/profile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const samples = new Map();
profile.samples.forEach((id, index) => {
  samples.set(id, (samples.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const totalMicros = [...samples.values()].reduce((sum, value) => sum + value, 0);

function packageOf(url) {
  if (!url) return '(native / V8)';
  const pnpm = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pnpm) return pnpm[1];
  const workspace = url.match(/\/(packages|apps)\/([^/]+)\//);
  if (workspace) return `@exai/${workspace[2]}`;
  if (url.startsWith('node:')) return 'node core';
  return url.replace(/^file:\/\//, '');
}

const selfByPackage = new Map();
const selfByFunction = new Map();
for (const [id, micros] of samples) {
  const { callFrame } = byId.get(id);
  const pkg = packageOf(callFrame.url);
  selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + micros);
  const name = `${callFrame.functionName || '(anonymous)'}  ${pkg}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros);
}
const percent = (micros) => `${((micros / totalMicros) * 100).toFixed(1).padStart(5)}%`;
const print = (title, map) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${percent(micros)}  ${name}\n`);
};
process.stdout.write(`${file}: ${(totalMicros / 1e6).toFixed(1)} s sampled\n`);
print('self time by package', selfByPackage);
print('self time by function', selfByFunction);

// Inclusive time per package frame: a sample counts once for each package on its stack.
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map();
for (const [id, micros] of samples) {
  const seen = new Set();
  for (let current = id; current !== undefined; current = parent.get(current)) {
    const { callFrame } = byId.get(current);
    const key = `${callFrame.functionName || '(anonymous)'}  ${packageOf(callFrame.url)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  }
}
print('inclusive time by function', inclusive);
