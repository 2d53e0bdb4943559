import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

/** Proves every build: the real Dockerfile builds, and the image serves health and a simulated chat as non-root. */
const script = fileURLToPath(new URL('../../../scripts/container-check.sh', import.meta.url));

it('builds the image and serves /healthz and a chat from inside the container, as non-root', () => {
  const result = spawnSync('bash', [script], { encoding: 'utf8', timeout: 690_000 });
  if (result.status !== 0) console.error(result.stderr.slice(-4_000));
  expect(result.stderr).toContain('container-check: PASS');
  expect(result.status).toBe(0);
}, 720_000);
