import type { BreakerHost } from './host.js';

export type Release = () => void;

const noRelease: Release = () => undefined;

/**
 * Asks the shared state for the fleet's one probe of `key`. Without `claimProbe`, or when the shared
 * state does not answer within `probeClaimTimeoutMs`, the decision is local (fail-open: this instance
 * probes). Undefined when another instance holds the claim.
 */
export async function claimProbe(host: BreakerHost, key: string): Promise<Release | undefined> {
  const { shared, probeClaimTimeoutMs, probeLockMs } = host.settings;
  if (shared?.claimProbe === undefined) return noRelease;
  const report = (error: unknown): void => host.reportError(error, { operation: 'probe', key });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), probeClaimTimeoutMs);
    timer.unref();
  });
  const claim = shared.claimProbe(key, probeLockMs);
  try {
    const outcome = await Promise.race([claim, timeout]);
    if (outcome === 'timeout') {
      claim.then((late) => late?.().catch(report), report);
      return noRelease;
    }
    if (outcome === undefined) return undefined;
    return () => void outcome().catch(report);
  } catch (error) {
    report(error);
    return noRelease;
  } finally {
    clearTimeout(timer);
  }
}
