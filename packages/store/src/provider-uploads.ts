import type { Selectable } from 'kysely';
import type { StoreContext } from './context.js';
import { clampLimit, withSignal } from './run.js';
import type { ProviderUploadsTable } from './schema.js';
import type { ListOptions, NewProviderUpload, ProviderUploadRecord, SignalOption } from './types.js';

/** Which content was already uploaded to which provider, so the same bytes are sent once. */

function toUpload(row: Selectable<ProviderUploadsTable>): ProviderUploadRecord {
  return {
    provider: row.provider,
    providerFileId: row.provider_file_id,
    sha256: row.sha256,
    filename: row.filename,
    purpose: row.purpose,
    createdAt: Number(row.created_at),
  };
}

const what = 'the provider upload store';

export function createProviderUploadRepository(context: StoreContext) {
  return {
    recordProviderUpload(upload: NewProviderUpload, options: SignalOption = {}): Promise<ProviderUploadRecord> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const row = {
          provider: upload.provider,
          provider_file_id: upload.providerFileId,
          sha256: upload.sha256,
          filename: upload.filename,
          purpose: upload.purpose ?? null,
          created_at: context.now(),
        };
        await db
          .insertInto('provider_uploads')
          .values(row)
          .onConflict((conflict) =>
            conflict.columns(['provider', 'provider_file_id']).doUpdateSet({
              sha256: row.sha256,
              filename: row.filename,
              purpose: row.purpose,
              created_at: row.created_at,
            }),
          )
          .execute();
        return toUpload(row);
      });
    },

    findProviderUpload(provider: string, sha256: string, options: SignalOption = {}): Promise<ProviderUploadRecord | undefined> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const row = await db
          .selectFrom('provider_uploads')
          .selectAll()
          .where('provider', '=', provider)
          .where('sha256', '=', sha256)
          .orderBy('created_at', 'desc')
          .limit(1)
          .executeTakeFirst();
        return row ? toUpload(row) : undefined;
      });
    },

    listProviderUploads(options: ListOptions & { provider?: string } = {}): Promise<ProviderUploadRecord[]> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const rows = await db
          .selectFrom('provider_uploads')
          .selectAll()
          .$if(options.provider !== undefined, (query) => query.where('provider', '=', options.provider!))
          .orderBy('created_at', 'desc')
          .orderBy('provider_file_id')
          .limit(clampLimit(options.limit, 100))
          .offset(clampLimit(options.offset, 0, Number.MAX_SAFE_INTEGER))
          .execute();
        return rows.map(toUpload);
      });
    },

    deleteProviderUpload(provider: string, providerFileId: string, options: SignalOption = {}): Promise<boolean> {
      return withSignal(options.signal, what, async () => {
        const db = await context.database();
        const result = await db
          .deleteFrom('provider_uploads')
          .where('provider', '=', provider)
          .where('provider_file_id', '=', providerFileId)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },
  };
}
