import type { CallOptions, FileObject, FilesApi, FileUpload, ProviderId } from '@exai/core';
import type OpenAI from 'openai';
import { loadSdk } from './client.js';
import { type MappingContext, toProviderError } from './error-mapping.js';

type Loose = Record<string, unknown>;

function toFileObject(raw: unknown, provider: ProviderId): FileObject {
  const file = (raw ?? {}) as Loose;
  const result: FileObject = {
    id: String(file.id ?? ''),
    object: 'file',
    bytes: typeof file.bytes === 'number' ? file.bytes : 0,
    created_at: typeof file.created_at === 'number' ? file.created_at : 0,
    filename: typeof file.filename === 'string' ? file.filename : '',
    purpose: typeof file.purpose === 'string' ? file.purpose : '',
    provider,
  };
  if (typeof file.status === 'string') result.status = file.status;
  return result;
}

/** The OpenAI files API (`/files`) behind the core's FilesApi, errors mapped like chat errors. */
export function createFilesApi(
  client: () => Promise<OpenAI>,
  mapping: Omit<MappingContext, 'signal' | 'model'>,
  defaultPurpose: string,
): FilesApi {
  const run = async <T>(
    options: CallOptions | undefined,
    call: (request: OpenAI.RequestOptions, sdk: OpenAI) => Promise<T>,
  ): Promise<T> => {
    const request: OpenAI.RequestOptions = {};
    if (options?.signal) request.signal = options.signal;
    if (options?.headers) request.headers = options.headers;
    try {
      return await call(request, await client());
    } catch (error) {
      throw toProviderError(error, { ...mapping, model: undefined, signal: options?.signal });
    }
  };
  const provider = mapping.provider;
  return {
    upload: (file: FileUpload, options?: CallOptions) =>
      run(options, async (request, sdk) => {
        const upload = await (await loadSdk()).toFile(
          file.data,
          file.filename,
          file.contentType ? { type: file.contentType } : undefined,
        );
        const purpose = (file.purpose ?? defaultPurpose) as OpenAI.FilePurpose;
        return toFileObject(await sdk.files.create({ file: upload, purpose }, request), provider);
      }),
    list: (options?: CallOptions) =>
      run(options, async (request, sdk) => {
        const files: FileObject[] = [];
        for await (const file of sdk.files.list({}, request)) files.push(toFileObject(file, provider));
        return files;
      }),
    get: (id: string, options?: CallOptions) =>
      run(options, async (request, sdk) => toFileObject(await sdk.files.retrieve(id, request), provider)),
    delete: (id: string, options?: CallOptions) =>
      run(options, async (request, sdk) => {
        const result = await sdk.files.delete(id, request);
        return { id: result.id ?? id, deleted: result.deleted !== false };
      }),
    content: (id: string, options?: CallOptions) =>
      run(options, async (request, sdk) => {
        const response = await sdk.files.content(id, request);
        return await response.text();
      }),
  };
}
