import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

export default defineConfig({
  ...tsupBase,
  // `listing` answers tools/list without the engine (its data: dist/listing.json, written after tsup).
  entry: ['src/index.ts', 'src/listing.ts'],
});
