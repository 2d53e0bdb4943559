import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '@exai/core';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { randomId, type StoreContext } from './context.js';
import { page, scopedRunner, selectOwned } from './repository.js';
import type { Database, FilesTable } from './schema.js';
import type { FileRecord, FileStorage, ListOptions, NewFile, OwnerScope, SignalOption } from './types.js';

/**
 * File records live in the `files` table. Contents are stored once per sha256: on SQLite as
 * `<dataDir>/files/<sha256>` (the database stays small), on Postgres in `file_contents` (bytea)
 * so every gateway instance can read what another stored.
 */

function toFile(row: Selectable<FilesTable>): FileRecord {
  return {
    id: row.id,
    owner: row.owner,
    sha256: row.sha256,
    filename: row.filename,
    bytes: Number(row.bytes),
    contentType: row.content_type,
    createdAt: Number(row.created_at),
    storage: row.storage as FileStorage,
  };
}

const what = 'the file store';

export function createFileRepository(context: StoreContext) {
  const scoped = scopedRunner(context, what);
  const storage: FileStorage = context.dialect === 'postgres' ? 'database' : 'disk';
  const directory = join(context.dataDir, 'files');
  const pathOf = (sha256: string) => join(directory, sha256);

  async function writeContent(
    sha256: string,
    data: Buffer,
    signal: AbortSignal | undefined,
    db: Kysely<Database>,
  ): Promise<void> {
    if (storage === 'database') {
      await db
        .insertInto('file_contents')
        .values({ sha256, content: data })
        .onConflict((conflict) => conflict.column('sha256').doNothing())
        .execute();
      return;
    }
    // Owner-only: file contents are users' data (the data directory is created 0700 too).
    await mkdir(directory, { recursive: true, mode: 0o700 });
    // Write beside, then rename: a reader never sees half a file.
    const temporary = `${pathOf(sha256)}.${randomId('tmp')}`;
    await writeFile(temporary, data, { mode: 0o600, ...(signal ? { signal } : {}) });
    await rename(temporary, pathOf(sha256));
  }

  async function removeContentIfUnused(transaction: Transaction<Database>, sha256: string): Promise<boolean> {
    const other = await transaction
      .selectFrom('files')
      .select('id')
      .where('sha256', '=', sha256)
      .limit(1)
      .executeTakeFirst();
    if (other) return false;
    if (storage === 'database') await transaction.deleteFrom('file_contents').where('sha256', '=', sha256).execute();
    return true;
  }

  return {
    putFile(scope: OwnerScope, file: NewFile, options: SignalOption = {}): Promise<FileRecord> {
      return scoped(scope, options.signal, async (db) => {
        const data =
          typeof file.data === 'string'
            ? Buffer.from(file.data, 'utf8')
            : Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
        const sha256 = createHash('sha256').update(data).digest('hex');
        await writeContent(sha256, data, options.signal, db);
        const row = {
          id: randomId('file'),
          owner: scope.owner,
          sha256,
          filename: file.filename,
          bytes: data.byteLength,
          content_type: file.contentType ?? null,
          created_at: context.now(),
          storage,
        };
        await db.insertInto('files').values(row).execute();
        return toFile(row);
      });
    },

    getFile(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<FileRecord | undefined> {
      return scoped(scope, options.signal, async (db, owner) => {
        const row = await selectOwned(db, 'files', owner).where('id', '=', id).executeTakeFirst();
        return row ? toFile(row) : undefined;
      });
    },

    readFileContent(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<Buffer> {
      return scoped(scope, options.signal, async (db, owner) => {
        const row = await db
          .selectFrom('files')
          .select(['sha256', 'storage'])
          .where('id', '=', id)
          .$if(owner !== undefined, (query) => query.where('owner', '=', owner!))
          .executeTakeFirst();
        if (!row) throw new NotFoundError({ message: `File ${id} does not exist`, param: 'file_id' });
        if (row.storage === 'database') {
          const content = await db
            .selectFrom('file_contents')
            .select('content')
            .where('sha256', '=', row.sha256)
            .executeTakeFirst();
          if (!content) throw new NotFoundError({ message: `The content of file ${id} is missing`, param: 'file_id' });
          return Buffer.from(content.content);
        }
        try {
          return await readFile(pathOf(row.sha256), options.signal ? { signal: options.signal } : {});
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            throw new NotFoundError({
              message: `The content of file ${id} is missing from ${directory}`,
              param: 'file_id',
              cause: error,
            });
          }
          throw error;
        }
      });
    },

    listFiles(scope: OwnerScope, options: ListOptions = {}): Promise<FileRecord[]> {
      return scoped(scope, options.signal, async (db, owner) => {
        const rows = await page(selectOwned(db, 'files', owner).orderBy('created_at', 'desc').orderBy('id'), options);
        return rows.map(toFile);
      });
    },

    deleteFile(scope: OwnerScope, id: string, options: SignalOption = {}): Promise<boolean> {
      return scoped(scope, options.signal, async (db, owner) => {
        const outcome = await db.transaction().execute(async (transaction) => {
          const row = await transaction
            .selectFrom('files')
            .select(['sha256'])
            .where('id', '=', id)
            .$if(owner !== undefined, (query) => query.where('owner', '=', owner!))
            .executeTakeFirst();
          if (!row) return { deleted: false, unusedSha256: undefined };
          await transaction.deleteFrom('files').where('id', '=', id).execute();
          const unused = await removeContentIfUnused(transaction, row.sha256);
          return { deleted: true, unusedSha256: unused ? row.sha256 : undefined };
        });
        if (storage === 'disk' && outcome.unusedSha256) await rm(pathOf(outcome.unusedSha256), { force: true });
        return outcome.deleted;
      });
    },
  };
}
