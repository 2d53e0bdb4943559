import type { CallOptions, ChatMessage, FilesApi } from '@exai/core';

/**
 * Kimi's file flow: a `file-extract` upload is turned into text by Moonshot
 * (`GET /files/{id}/content`), and that text is sent as a system message ahead of the question.
 * Returns one system message per file, in the order given.
 */
export async function kimiFileMessages(
  adapter: { readonly files?: FilesApi | undefined },
  fileIds: readonly string[],
  options: CallOptions = {},
): Promise<ChatMessage[]> {
  const files = adapter.files;
  if (!files) throw new TypeError('kimiFileMessages: this adapter has no files API');
  const contents = await Promise.all(fileIds.map((id) => files.content(id, options)));
  return contents.map((content) => ({ role: 'system', content }));
}
