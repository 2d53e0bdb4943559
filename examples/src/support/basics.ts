import { type ChatRequest, createLogger, type GatewayConfig, type Logger, loadConfig } from '@exai/core';
import { type Simulator, startSimulator } from '@exai/provider-simulator';

/** What a library example starts from: the provider simulator, the default config (no environment), a silent logger. */
export async function exampleBasics(): Promise<{ simulator: Simulator; config: GatewayConfig; logger: Logger }> {
  const simulator = await startSimulator();
  return { simulator, config: loadConfig({ env: {} }), logger: createLogger({ level: 'silent' }) };
}

/** A one-message chat request to `model`. */
export const hello = (model: string): ChatRequest => ({ model, messages: [{ role: 'user', content: 'Hello' }] });
