import { isIP } from 'node:net';

/**
 * Host and Origin checks against DNS rebinding, shared by both apps' HTTP servers. A page on
 * `evil.example` whose name is rebound to 127.0.0.1 reaches a loopback server with
 * `Host: evil.example`; an allow-list of names refuses it. A browser's `Origin` must be one of
 * the allowed names (or the server's own host) too.
 */

/** `Host` names that mean this machine. */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]', '::1'];

/**
 * True for loopback: 127.0.0.0/8, `::1` (bare or bracketed), `localhost`, and their IPv4-mapped
 * forms. Takes a bind address, a socket's `remoteAddress` or a host name.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const lower = address.toLowerCase();
  const plain = lower.startsWith('::ffff:') ? lower.slice(7) : lower;
  return LOOPBACK_NAMES.includes(plain) || plain.startsWith('127.');
}

/** True for a wildcard bind (`0.0.0.0`, `::`): every interface. */
export const isWildcardHost = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]';

/** The name of a `Host` header without its port, lower case (`[::1]:8080` → `[::1]`). */
export function hostName(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.split(':')[0] ?? '';
}

export interface HostGuardOptions {
  /** The interface the server binds. */
  bindHost: string;
  /** Extra accepted `Host` names (without port), beyond loopback names and a specific `bindHost`. */
  allowedHosts?: readonly string[];
  /** Extra accepted `Origin` values, e.g. `https://app.example.com`. */
  allowedOrigins?: readonly string[];
  /**
   * On a wildcard bind with no `allowedHosts`: true checks `Host` anyway and accepts IP literals
   * besides loopback names (a rebinding page always sends its own domain name, never an address);
   * false skips the check (the API key is then the protection). Default false.
   */
  checkWildcard?: boolean;
}

export interface HostGuard {
  /** False when `Host` is not accepted (the caller answers 421 or 403). */
  hostAllowed(host: string | undefined): boolean;
  /** False when a browser's `Origin` is neither an allowed origin nor one of the accepted hosts. */
  originAllowed(origin: string, host: string | undefined): boolean;
}

/**
 * Accepted `Host` names: loopback names, a specific (non-wildcard, non-loopback) `bindHost`, and
 * `allowedHosts`. A wildcard bind with no `allowedHosts` accepts any `Host` unless `checkWildcard`.
 */
export function createHostGuard(options: HostGuardOptions): HostGuard {
  const bind = options.bindHost.toLowerCase();
  const wildcard = isWildcardHost(bind);
  const extra = options.allowedHosts ?? [];
  const hosts = new Set([
    ...LOOPBACK_NAMES,
    ...(isLoopback(bind) || wildcard ? [] : [bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind]),
    ...extra.map((name) => name.toLowerCase()),
  ]);
  const checkHosts = !wildcard || extra.length > 0 || options.checkWildcard === true;
  const acceptAddresses = wildcard && extra.length === 0 && options.checkWildcard === true;
  const origins = new Set((options.allowedOrigins ?? []).map((origin) => origin.toLowerCase()));

  const nameAllowed = (name: string): boolean =>
    hosts.has(name) || (acceptAddresses && isIP(name.replace(/^\[|\]$/g, '')) !== 0);
  const hostAllowed = (host: string | undefined): boolean => !checkHosts || nameAllowed(hostName(host));

  return {
    hostAllowed,
    originAllowed(origin: string, host: string | undefined): boolean {
      if (origins.has(origin.toLowerCase())) return true;
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
      const name = url.hostname.toLowerCase();
      // The server's own host (as the request named it, when that is accepted) or an accepted name.
      return hosts.has(name) || (name === hostName(host) && hostAllowed(host));
    },
  };
}
