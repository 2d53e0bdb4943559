import type { Options } from 'tsup';

/**
 * What every workspace package's build shares (each `tsup.config.ts` spreads it and names its entries): ESM for
 * Node 20, with types and source maps, `dist/` emptied first.
 */
export const tsupBase = {
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
} satisfies Options;
