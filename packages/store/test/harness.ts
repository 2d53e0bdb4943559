import { afterAll, afterEach } from 'vitest';
import { createStore, type NewProviderUpload, type OwnerScope, type Store, type StoreOptions } from '../src/index.js';
import type { Backend } from './services.js';

/** Opens stores on fresh locations of one backend and closes them after each test. */
export function useStores(backend: Backend) {
  const open: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });
  afterAll(async () => {
    await backend.cleanup();
  });
  return {
    /** A store on a new, empty location; `location` opens more stores on the same one. */
    async fresh(options: Partial<StoreOptions> = {}): Promise<{ store: Store; location: StoreOptions }> {
      const location = { ...(await backend.location()), ...options };
      const store = createStore(location);
      open.push(store);
      return { store, location };
    },
    another(location: StoreOptions, options: Partial<StoreOptions> = {}): Store {
      const store = createStore({ ...location, ...options });
      open.push(store);
      return store;
    },
  };
}

/** The tenant the single-tenant tests act as. */
export const me: OwnerScope = { owner: 'tester' };
/** An admin scope: every owner's rows (the request log's tests read everything). */
export const everyone: OwnerScope = { owner: 'test-admin', admin: true };

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000) {
  let time = start;
  return {
    now: () => time,
    advance(milliseconds: number) {
      time += milliseconds;
    },
  };
}

/** The schema versions a migrated database records, in order. */
export const SCHEMA_VERSIONS = [
  '0001_initial',
  '0002_owners',
  '0003_responses',
  '0004_keys_spend',
  '0005_response_cache',
  '0006_background_responses',
  '0007_request_owner',
  '0008_request_trace',
];

/** A record of `filename` (content `sha256`) uploaded to `provider` as `providerFileId`. */
export const providerUpload = (
  provider: string,
  providerFileId: string,
  sha256: string,
  filename: string,
  extra: Partial<NewProviderUpload> = {},
): NewProviderUpload => ({ provider, providerFileId, sha256, filename, ...extra });
