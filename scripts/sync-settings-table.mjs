// Rewrites the environment-variable table of packages/core/README.md from the settings schema
// (build @exai/core first). The core test `settings.test.ts` fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from '../packages/core/dist/index.js';

const file = new URL('../packages/core/README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const block = /<!-- settings:start -->\n[\s\S]*?<!-- settings:end -->/;
if (!block.test(readme)) throw new Error('packages/core/README.md has no <!-- settings:start --> block');
writeFileSync(file, readme.replace(block, `<!-- settings:start -->\n${settingsTable()}\n<!-- settings:end -->`));
