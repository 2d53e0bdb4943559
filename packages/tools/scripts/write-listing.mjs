// Writes dist/listing.json: every tool's listing (JSON only) with its profile, in listing order, for
// `@exai/tools/listing` (answers `tools/list` without loading the engine). Run by `build` after tsup.
import { writeFileSync } from 'node:fs';
import { allToolListings } from '../dist/index.js';

writeFileSync(new URL('../dist/listing.json', import.meta.url), `${JSON.stringify(allToolListings())}\n`);
