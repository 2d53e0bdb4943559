import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Simulator } from '@exai/provider-simulator';

/**
 * What `process.env` holds for an example that builds the whole gateway: GLM and Kimi keys with the
 * simulator's base URLs, a temporary data directory and a silent logger. `cleanup()` removes the data.
 */
export function simulatedGatewayEnv(
  simulator: Simulator,
  name: string,
): { env: Record<string, string>; cleanup: () => void } {
  const dataDir = mkdtempSync(join(tmpdir(), `exai-example-${name}-`));
  const env = {
    GLM_API_KEY: 'sim-key',
    GLM_BASE_URL: simulator.baseURL('glm'),
    KIMI_API_KEY: 'sim-key',
    KIMI_BASE_URL: simulator.baseURL('kimi'),
    EXAI_DATA_DIR: dataDir,
    EXAI_LOG_LEVEL: 'silent',
  };
  return { env, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}
