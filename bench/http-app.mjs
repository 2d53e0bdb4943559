// What the benchmarks of the built exai-http (bench/http, bench/soak) share: the app's directory, its
// dependencies resolved as the app resolves them, and `--name value` options.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const appDir = new URL('../apps/http-server/', import.meta.url);
/** `require` from apps/http-server, for the app's own dependencies. */
export const appRequire = createRequire(new URL('package.json', appDir));
/** The built `exai-http` bin. */
export const appCli = fileURLToPath(new URL('dist/cli.js', appDir));

/** The provider simulator's built entry, as the app resolves it. */
export async function importSimulator() {
  const simulatorDir = appRequire.resolve('@exai/provider-simulator/package.json').replace(/package\.json$/, '');
  return import(`${simulatorDir}dist/index.js`);
}

/** The value after `--name` on the command line, else `fallback`. */
export function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1];
}
