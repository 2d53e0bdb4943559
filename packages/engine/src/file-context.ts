/**
 * Local files into prompt text: only files under the allowed roots (after resolving symlinks),
 * text only, within a size cap and a token budget, never the same content twice in a thread.
 */
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { type AllowedRoot, BadRequestError, CancelledError, resolveAllowedPath, resolveAllowedRoots } from '@exai/core';

export const DEFAULT_MAX_FILE_BYTES = 256 * 1024;

/** How many leading bytes are searched for a NUL byte to call a file binary. */
const BINARY_SNIFF_BYTES = 8 * 1024;

export type FileSkipReason =
  | 'outside_roots'
  | 'not_found'
  | 'too_large'
  | 'binary'
  | 'over_budget'
  | 'already_sent'
  | 'not_a_file';

export interface FileContextOptions {
  /** Directories files may come from. A relative file path is resolved against the first one. */
  allowedRoots: string[];
  /** Files larger than this are skipped with `too_large`. Default 256 KiB. */
  maxFileBytes?: number;
  /** Token budget for the whole text, delimiters included (estimate: ceil(chars / 4)). */
  budgetTokens: number;
  /** sha256 (hex) of file contents already sent in this thread; those are skipped with `already_sent`. */
  alreadySent?: ReadonlySet<string>;
  signal?: AbortSignal;
}

export interface IncludedFile {
  /** The path as the caller gave it. */
  path: string;
  sha256: string;
  bytes: number;
  /** Estimated tokens of the file's block in `text`, delimiters included. */
  tokens: number;
}

export interface SkippedFile {
  /** The path as the caller gave it. */
  path: string;
  reason: FileSkipReason;
}

export interface FileContext {
  /** The included files, each between `--- BEGIN FILE: <path> ---` and `--- END FILE: <path> ---`, lines numbered. */
  text: string;
  included: IncludedFile[];
  skipped: SkippedFile[];
}

/** A cheap, provider-neutral token estimate: one token per four characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

type ReadResult = { ok: true; bytes: Buffer } | { ok: false; reason: FileSkipReason };

/**
 * Read the given files into one prompt text. Files are taken in the order given; a file that
 * does not fit the remaining budget is skipped whole (`over_budget`), never cut.
 */
export async function buildFileContext(paths: string[], options: FileContextOptions): Promise<FileContext> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  validateOptions(options, maxFileBytes);
  const roots = await resolveAllowedRoots(options.allowedRoots);
  const firstRoot = roots[0]!.lexical;
  const alreadySent = options.alreadySent ?? new Set<string>();
  const sentNow = new Set<string>();
  const included: IncludedFile[] = [];
  const skipped: SkippedFile[] = [];
  const blocks: string[] = [];
  let remaining = Math.floor(options.budgetTokens);

  for (const requested of paths) {
    throwIfAborted(options.signal);
    const absolute = path.resolve(firstRoot, requested);
    const read = await readAllowedFile(absolute, roots, maxFileBytes);
    if (!read.ok) {
      skipped.push({ path: requested, reason: read.reason });
      continue;
    }
    const sha256 = createHash('sha256').update(read.bytes).digest('hex');
    if (alreadySent.has(sha256) || sentNow.has(sha256)) {
      skipped.push({ path: requested, reason: 'already_sent' });
      continue;
    }
    const content = decodeText(read.bytes);
    if (content === undefined) {
      skipped.push({ path: requested, reason: 'binary' });
      continue;
    }
    const block = formatFileBlock(absolute, content);
    const tokens = estimateTokens(block);
    if (tokens > remaining) {
      skipped.push({ path: requested, reason: 'over_budget' });
      continue;
    }
    remaining -= tokens;
    sentNow.add(sha256);
    blocks.push(block);
    included.push({ path: requested, sha256, bytes: read.bytes.length, tokens });
  }
  return { text: blocks.join(''), included, skipped };
}

function validateOptions(options: FileContextOptions, maxFileBytes: number): void {
  if (!Array.isArray(options.allowedRoots) || options.allowedRoots.length === 0) {
    throw new BadRequestError({ message: 'buildFileContext needs at least one allowed root', param: 'allowedRoots' });
  }
  if (!Number.isFinite(options.budgetTokens) || options.budgetTokens < 0) {
    throw new BadRequestError({ message: 'budgetTokens must be a number >= 0', param: 'budgetTokens' });
  }
  if (!Number.isFinite(maxFileBytes) || maxFileBytes < 0) {
    throw new BadRequestError({ message: 'maxFileBytes must be a number >= 0', param: 'maxFileBytes' });
  }
}

async function readAllowedFile(absolute: string, roots: AllowedRoot[], maxFileBytes: number): Promise<ReadResult> {
  // One rule with the tools (@exai/core): lexically inside a root, then inside after resolving symlinks.
  const allowed = await resolveAllowedPath(absolute, roots);
  if (!allowed.ok) return allowed;
  const real = allowed.real;
  let info: Stats;
  try {
    info = await stat(real);
  } catch {
    return { ok: false, reason: 'not_found' };
  }
  if (!info.isFile()) return { ok: false, reason: 'not_a_file' };
  if (info.size > maxFileBytes) return { ok: false, reason: 'too_large' };
  return readCapped(real, maxFileBytes);
}

/** Read at most `maxFileBytes` (one more to notice a file that grew since `stat`). */
async function readCapped(real: string, maxFileBytes: number): Promise<ReadResult> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after `stat`, opening it must not hang.
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return { ok: false, reason: 'not_found' };
  }
  try {
    if (!(await handle.stat()).isFile()) return { ok: false, reason: 'not_a_file' };
    const buffer = Buffer.alloc(maxFileBytes + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxFileBytes) return { ok: false, reason: 'too_large' };
    return { ok: true, bytes: buffer.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}

/** The text of a file, or undefined when it looks binary (NUL in the first 8 KiB, or invalid UTF-8). */
function decodeText(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * One file between BEGIN/END delimiters, every line prefixed with its number. The prefix also means
 * no line of the file can pose as a delimiter.
 */
function formatFileBlock(filePath: string, content: string): string {
  const lines = content.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const width = String(Math.max(lines.length, 1)).length;
  const numbered = lines.map((line, index) => `${String(index + 1).padStart(width)} | ${line}\n`).join('');
  return `--- BEGIN FILE: ${filePath} ---\n${numbered}--- END FILE: ${filePath} ---\n`;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CancelledError({ message: 'Reading files was cancelled', cause: signal.reason });
  }
}
