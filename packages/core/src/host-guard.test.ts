import { describe, expect, it } from 'vitest';
import { createHostGuard, hostName, isLoopback } from './host-guard.js';

describe('isLoopback', () => {
  it('knows bind addresses, socket addresses and names', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST'])
      expect(isLoopback(address), address).toBe(true);
    for (const address of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'example.com', '', undefined])
      expect(isLoopback(address), String(address)).toBe(false);
  });
});

describe('hostName', () => {
  it('drops the port, keeps IPv6 brackets', () => {
    expect(hostName('Example.COM:8080')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('[::1]');
    expect(hostName(undefined)).toBe('');
  });
});

describe('createHostGuard', () => {
  it('on loopback accepts loopback names only, and origins of those names', () => {
    const guard = createHostGuard({ bindHost: '127.0.0.1' });
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:1']) expect(guard.hostAllowed(host), host).toBe(true);
    for (const host of ['evil.example', 'evil.example:8080', '10.0.0.1:8080', '', undefined])
      expect(guard.hostAllowed(host), String(host)).toBe(false);
    expect(guard.originAllowed('http://localhost:3000', 'localhost:8080')).toBe(true);
    expect(guard.originAllowed('http://evil.example', 'localhost:8080')).toBe(false);
    expect(guard.originAllowed('null', 'localhost:8080')).toBe(false);
    expect(guard.originAllowed('file://', 'localhost:8080')).toBe(false);
  });

  it('adds a specific bind address and the configured names and origins', () => {
    const guard = createHostGuard({
      bindHost: '192.0.2.2',
      allowedHosts: ['API.example.com'],
      allowedOrigins: ['https://app.example.com'],
    });
    expect(guard.hostAllowed('192.0.2.2:8080')).toBe(true);
    expect(guard.hostAllowed('api.example.com')).toBe(true);
    expect(guard.hostAllowed('evil.example')).toBe(false);
    expect(guard.originAllowed('https://app.example.com', 'api.example.com')).toBe(true);
    expect(guard.originAllowed('https://api.example.com', 'api.example.com')).toBe(true);
    expect(guard.originAllowed('https://evil.example', 'api.example.com')).toBe(false);
  });

  it('on a wildcard bind accepts any Host unless told to check; then addresses, never foreign names', () => {
    const keyed = createHostGuard({ bindHost: '0.0.0.0' });
    expect(keyed.hostAllowed('anything.example')).toBe(true);
    expect(keyed.originAllowed('http://anything.example', 'anything.example')).toBe(true);
    expect(keyed.originAllowed('http://other.example', 'anything.example')).toBe(false);
    const open = createHostGuard({ bindHost: '0.0.0.0', checkWildcard: true });
    expect(open.hostAllowed('10.1.2.3:8080')).toBe(true);
    expect(open.hostAllowed('[fe80::1]:8080')).toBe(true);
    expect(open.hostAllowed('localhost')).toBe(true);
    expect(open.hostAllowed('evil.example')).toBe(false);
    expect(open.originAllowed('http://10.1.2.3:8080', '10.1.2.3:8080')).toBe(true);
    expect(open.originAllowed('http://evil.example', '10.1.2.3:8080')).toBe(false);
    const named = createHostGuard({ bindHost: '::', allowedHosts: ['gw.example'] });
    expect(named.hostAllowed('gw.example:443')).toBe(true);
    expect(named.hostAllowed('10.1.2.3')).toBe(false);
  });
});
