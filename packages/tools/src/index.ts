export { type FirstRunSimulator, type Gateway, type GatewayOptions, openGateway } from './gateway.js';
export { ALWAYS_ON, allToolListings, createToolRegistry, PROFILES, selectTools, TOOL_NAMES } from './registry.js';
export { DEFAULT_ROLES, mergeRoles, parseRolesEnv } from './roles.js';
export type {
  JsonSchema,
  ListedTool,
  RoleConfig,
  RoleDefinition,
  Stance,
  ToolAnnotations,
  ToolContext,
  ToolDefinition,
  ToolProfile,
  ToolProgress,
  ToolRegistry,
  ToolRegistryOptions,
  ToolResult,
  ToolResultMeta,
} from './types.js';
