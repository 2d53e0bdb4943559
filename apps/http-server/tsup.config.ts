import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

// One build: the library entry (with types) and the `exai-http` bin, bundled from the same sources.
export default defineConfig({
  ...tsupBase,
  entry: ['src/index.ts', 'src/cli.ts'],
  dts: { entry: 'src/index.ts' },
  banner: { js: '#!/usr/bin/env node' },
});
