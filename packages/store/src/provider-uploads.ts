import type { Selectable } from 'kysely';
import type { StoreContext } from './context.js';
import { deleteOwned, page, scopedRunner, selectOwned, touched } from './repository.js';
import type { ProviderUploadsTable } from './schema.js';
import type { ListOptions, NewProviderUpload, OwnerScope, ProviderUploadRecord, SignalOption } from './types.js';

/**
 * Which content was already uploaded to which provider, so the same bytes are sent once per
 * owner: a tenant never reuses (or learns of) another tenant's upload.
 */

function toUpload(row: Selectable<ProviderUploadsTable>): ProviderUploadRecord {
  return {
    owner: row.owner,
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
  const scoped = scopedRunner(context, what);
  return {
    recordProviderUpload(
      scope: OwnerScope,
      upload: NewProviderUpload,
      options: SignalOption = {},
    ): Promise<ProviderUploadRecord> {
      return scoped(scope, options.signal, async (db) => {
        const row = {
          owner: scope.owner,
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
            conflict
              .columns(['provider', 'provider_file_id'])
              .doUpdateSet({
                sha256: row.sha256,
                filename: row.filename,
                purpose: row.purpose,
                created_at: row.created_at,
              })
              // Never moves another owner's record (provider file ids are the provider's, so this is belt and braces).
              .where('provider_uploads.owner', '=', row.owner),
          )
          .execute();
        return toUpload(row);
      });
    },

    findProviderUpload(
      scope: OwnerScope,
      provider: string,
      sha256: string,
      options: SignalOption = {},
    ): Promise<ProviderUploadRecord | undefined> {
      return scoped(scope, options.signal, async (db, owner) => {
        const row = await selectOwned(db, 'provider_uploads', owner)
          .where('provider', '=', provider)
          .where('sha256', '=', sha256)
          .orderBy('created_at', 'desc')
          .limit(1)
          .executeTakeFirst();
        return row ? toUpload(row) : undefined;
      });
    },

    listProviderUploads(
      scope: OwnerScope,
      options: ListOptions & { provider?: string } = {},
    ): Promise<ProviderUploadRecord[]> {
      return scoped(scope, options.signal, async (db, owner) => {
        const uploads = selectOwned(db, 'provider_uploads', owner).$if(options.provider !== undefined, (query) =>
          query.where('provider', '=', options.provider!),
        );
        const rows = await page(uploads.orderBy('created_at', 'desc').orderBy('provider_file_id'), options);
        return rows.map(toUpload);
      });
    },

    deleteProviderUpload(
      scope: OwnerScope,
      provider: string,
      providerFileId: string,
      options: SignalOption = {},
    ): Promise<boolean> {
      return scoped(scope, options.signal, async (db, owner) => {
        const result = await deleteOwned(db, 'provider_uploads', owner)
          .where('provider', '=', provider)
          .where('provider_file_id', '=', providerFileId)
          .executeTakeFirst();
        return touched(result);
      });
    },
  };
}
