import type { OwnerScope } from './types.js';

/**
 * The tenant of every single-user mode: exai-http without keys, exai-mcp over stdio and exai-mcp
 * over HTTP without a token. Rows written before owners existed (migration `0002_owners`) get it
 * too, so a single user keeps their threads and files across the upgrade; on a server with keys
 * they are visible to admin scopes only (docs/decisions/0018-tenancy.md).
 */
export const localOwner = 'local';

/**
 * The owner a scope's reads, lists and deletes are limited to; undefined for an admin scope,
 * which sees every owner. Throws on a scope without an owner (a programming error, never a
 * silent "see everything").
 */
export function ownerFilter(scope: OwnerScope): string | undefined {
  if (typeof scope?.owner !== 'string' || scope.owner === '')
    throw new TypeError('store: an owner scope needs a non-empty owner');
  return scope.admin === true ? undefined : scope.owner;
}
