import { defineConfig } from 'tsup';

// Two entries: the library (`index`) and the bin (`cli`). Dependencies stay external (installed
// with the package); the engine and tools are dynamic imports, loaded after `initialize` is answered.
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'node20',
});
