import type { Engine } from '@exai/engine';
import type { ToolProfile, ToolRegistry } from '@exai/tools';

export interface Runtime {
  engine: Engine;
  registry: ToolRegistry;
}

export interface RuntimeOptions {
  version: string;
  profile?: ToolProfile;
  env?: Record<string, string | undefined>;
}

/**
 * Loads configuration, the engine and the tool registry. Imported lazily so the process can answer
 * `initialize` first; the store opens on first use and the simulator (no keys) starts here.
 */
export async function loadRuntime(options: RuntimeOptions): Promise<Runtime> {
  const [{ createLogger, loadConfig }, { createEngine }, { createToolRegistry }] = await Promise.all([import('@exai/core'), import('@exai/engine'), import('@exai/tools')]);
  const env = options.env ?? process.env;
  const config = loadConfig({ env });
  const logger = createLogger({ level: config.logLevel, name: 'exai-mcp' });
  const engine = await createEngine({ config, simulateWhenNoKeys: true, logger });
  if (engine.simulated) logger.warn('no provider key configured: answers come from the built-in simulator (set GLM_API_KEY, KIMI_API_KEY, MINIMAX_API_KEY or OPENAI_API_KEY)');
  const registry = createToolRegistry({ engine, env, server: { name: '@exai/mcp-server', version: options.version }, ...(options.profile ? { profile: options.profile } : {}) });
  return { engine, registry };
}
