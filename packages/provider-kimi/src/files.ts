import type { FilesApi } from '@exai/core';

/** The same files API with a provider's own default `purpose` for uploads that name none. */
export function withDefaultPurpose(files: FilesApi, purpose: string): FilesApi {
  return {
    upload: (file, options) => files.upload({ ...file, purpose: file.purpose ?? purpose }, options),
    list: (options) => files.list(options),
    get: (id, options) => files.get(id, options),
    delete: (id, options) => files.delete(id, options),
    content: (id, options) => files.content(id, options),
  };
}
