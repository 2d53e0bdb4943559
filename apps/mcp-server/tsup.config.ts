import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.js';

// Two entries: the library (`index`) and the bin (`cli`). Dependencies stay external (installed
// with the package); the engine and tools are dynamic imports, loaded after `initialize` is answered.
export default defineConfig({
  ...tsupBase,
  entry: ['src/index.ts', 'src/cli.ts'],
  dts: { entry: 'src/index.ts' },
  splitting: true,
});
