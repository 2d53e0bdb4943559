import type { ModelInfo } from '@exai/core';
import { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { listModelsOutput, statusOutput, versionOutput } from '../outputs.js';
import { defineTool, READ_ONLY } from '../spec.js';

const empty = z.strictObject({});

function capabilities(info: ModelInfo): string {
  const names = Object.entries(info.capabilities)
    .filter(([name, on]) => on && name !== 'streaming')
    .map(([name]) => name);
  return names.length > 0 ? ` [${names.join(', ')}]` : '';
}

export const listModelsTool = defineTool({
  name: 'listmodels',
  title: 'List models and roles',
  description: 'Models per provider (ids, aliases, context, capabilities) and the named roles.',
  profile: 'lean',
  annotations: READ_ONLY,
  output: listModelsOutput,
  input: empty,
  async run(_args, context) {
    const models = await context.engine.listModels(context.signal ? { signal: context.signal } : {});
    const lines = models.map(
      (info) =>
        `${info.provider}/${info.id}${info.aliases?.length ? ` (${info.aliases.join(', ')})` : ''} ctx ` +
        `${Math.round(info.contextWindow / 1000)}k${capabilities(info)}`,
    );
    const roles = Object.entries(context.roles).map(
      ([name, role]) => `${name} → ${role.model}${role.stance ? ` (${role.stance})` : ''}`,
    );
    const simulated = context.engine.simulated
      ? '\n\nSIMULATED: no provider key configured; answers come from the built-in simulator.'
      : '';
    return {
      content: `Models:\n${lines.join('\n')}\n\nRoles:\n${roles.join('\n')}${simulated}`,
      structured: {
        models: models.map((info) => ({
          id: info.id,
          provider: info.provider,
          aliases: info.aliases ?? [],
          contextWindow: info.contextWindow,
          capabilities: info.capabilities,
        })),
        roles: context.roles,
      },
    };
  },
});

export const statusTool = defineTool({
  name: 'status',
  title: 'Gateway status',
  description:
    'Providers with circuit-breaker states, in-flight and queued calls, the store, and whether answers are simulated.',
  profile: 'lean',
  annotations: READ_ONLY,
  output: statusOutput,
  input: empty,
  async run(_args, context) {
    const status = context.engine.status();
    const providers = status.providers.map(
      (provider) =>
        `${provider.id} (${provider.kind}) breaker ${provider.breaker}${provider.models
          .map((model) => `, ${model.model}${model.key ? ` #${model.key}` : ''} ${model.state}`)
          .join('')}, in flight ${provider.inFlight}, queued ${provider.queued}`,
    );
    const lines = [
      status.simulated
        ? 'Mode: SIMULATED — no provider key configured; every answer comes from the built-in simulator. Set ' +
          'GLM_API_KEY, KIMI_API_KEY, MINIMAX_API_KEY or OPENAI_API_KEY to use real models.'
        : 'Mode: live providers',
      `Providers:\n${providers.join('\n')}`,
      `Sessions: in flight ${status.sessions.inFlight}, queued ${status.sessions.queued}, p95 ` +
        `${Math.round(status.sessions.latencyMs.p95)} ms`,
      `Store: ${status.store.kind}, shared state ${status.store.shared}`,
      `Profile: ${context.profile} (${context.toolNames().length} tools)`,
    ];
    return {
      content: lines.join('\n'),
      structured: { ...status, profile: context.profile, tools: context.toolNames() },
    };
  },
});

export const versionTool = defineTool({
  name: 'version',
  title: 'Version',
  description: 'Server and tools versions, Node version, tool profile.',
  profile: 'lean',
  annotations: READ_ONLY,
  input: empty,
  output: versionOutput,
  async run(_args, context) {
    const structured = {
      server: context.server.name,
      version: context.server.version,
      tools: packageJson.version,
      node: process.versions.node,
      profile: context.profile,
      simulated: context.engine.simulated,
    };
    return {
      content:
        `${structured.server} ${structured.version} (@exai/tools ${structured.tools}, Node ` +
        `${structured.node}, profile ${structured.profile}${structured.simulated ? ', simulated' : ''})`,
      structured,
    };
  },
});
