/** Row shapes as Kysely sees them. Timestamps are epoch milliseconds; JSON columns hold text. */

export interface ThreadsTable {
  id: string;
  owner: string;
  created_at: number;
  updated_at: number;
  expires_at: number;
  title: string | null;
  provider: string | null;
  model: string | null;
  metadata: string | null;
}

export interface TurnsTable {
  thread_id: string;
  seq: number;
  role: string;
  content: string;
  files: string | null;
  tool: string | null;
  model: string | null;
  provider: string | null;
  created_at: number;
  usage: string | null;
}

export interface FilesTable {
  id: string;
  owner: string;
  sha256: string;
  filename: string;
  bytes: number;
  content_type: string | null;
  created_at: number;
  storage: string;
}

export interface FileContentsTable {
  sha256: string;
  content: Uint8Array;
}

export interface ProviderUploadsTable {
  owner: string;
  provider: string;
  provider_file_id: string;
  sha256: string;
  filename: string;
  purpose: string | null;
  created_at: number;
}

export interface RequestsTable {
  id: string;
  created_at: number;
  route: string;
  model: string | null;
  provider: string | null;
  status: number;
  latency_ms: number;
  tokens: number | null;
  api_key_id: string | null;
  owner: string;
  cache: string | null;
  cost: number | null;
  currency: string | null;
  trace_id: string | null;
}

export interface AttemptsTable {
  request_id: string;
  seq: number;
  provider: string;
  model: string;
  outcome: string;
  error_code: string | null;
  latency_ms: number;
  tokens: number | null;
  started_at: number;
  cost: number | null;
  cached_tokens: number | null;
  cost_estimated: number | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
  rate_limit: number | null;
  owner: string | null;
  /** JSON array of model names, or null for every model. */
  models: string | null;
  tokens_per_minute: number | null;
  budget_amount: number | null;
  budget_period: string | null;
  budget_alert: number | null;
  admin: number;
}

/** Spend per key and budget period (`day:2026-12-02`, `month:2026-12`, `total`). */
export interface KeySpendTable {
  key_id: string;
  period: string;
  amount: number;
  updated_at: number;
}

export interface ResponsesTable {
  id: string;
  owner: string;
  created_at: number;
  expires_at: number;
  response: string;
  conversation: string;
  input_items: string;
  /** `queued`, `in_progress`, `completed`, `failed`, `cancelled` (0006); `completed` for answered responses. */
  status: string;
}

export interface ResponseCacheTable {
  owner: string;
  key: string;
  created_at: number;
  expires_at: number;
  bytes: number;
  value: string;
}

export interface Database {
  threads: ThreadsTable;
  turns: TurnsTable;
  files: FilesTable;
  file_contents: FileContentsTable;
  provider_uploads: ProviderUploadsTable;
  requests: RequestsTable;
  attempts: AttemptsTable;
  api_keys: ApiKeysTable;
  responses: ResponsesTable;
  response_cache: ResponseCacheTable;
  key_spend: KeySpendTable;
}
