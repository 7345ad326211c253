import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import type { Config } from '../config';

export interface StoredReportFile {
  fileName: string;
  size: number;
  /** sha256, hex */
  checksum: string;
}

/** A file being written: invisible to readers until commit() renames it into place. */
export interface PendingReportFile {
  readonly stream: Writable;
  /** flushes, syncs and atomically renames the temp file to its final name */
  commit(): Promise<StoredReportFile>;
  /** removes the temp file (safe to call after a failure, or twice) */
  discard(): Promise<void>;
}

/** Where report files live: a local folder or shared volume (below), or an S3-compatible bucket (s3-storage.ts). */
export interface ReportStorage {
  begin(fileName: string): Promise<PendingReportFile>;
  open(fileName: string): Promise<{ stream: Readable; size: number } | undefined>;
  exists(fileName: string): Promise<boolean>;
  /** removes the final file and every temp file left for that name by earlier attempts */
  remove(fileName: string): Promise<void>;
  removePartials(fileName: string): Promise<number>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

export class UnsafeReportFileNameError extends Error {
  constructor(name: string) {
    super(`unsafe report file name: ${JSON.stringify(name)}`);
    this.name = 'UnsafeReportFileNameError';
  }
}

/** A plain file name inside the folder: no separators, no dot segments, no hidden files. */
export function assertSafeFileName(name: string): void {
  if (typeof name !== 'string' || name.length > 200 || !SAFE_NAME.test(name) || name.includes('..')) {
    throw new UnsafeReportFileNameError(name);
  }
}

export function reportFileName(reportId: number, format: string): string {
  return `report-${reportId}.${format}`;
}

const PARTIAL_SUFFIX = '.partial';
const partialPrefix = (fileName: string) => `.${fileName}.`;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/**
 * How far the export may run ahead of the disk: with a buffer of one piece, the export waited for every write to
 * land before formatting the next rows; a few pieces let formatting and writing overlap (memory stays bounded).
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** Counts and hashes bytes on their way to the file, so the checksum needs no second read. */
class HashingFileStream extends Writable {
  private readonly hash = createHash('sha256');
  size = 0;

  constructor(private readonly file: fs.WriteStream) {
    super({ highWaterMark: WRITE_BUFFER_BYTES });
    file.on('error', (err) => this.destroy(err));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.file.write(chunk)) callback();
    else this.file.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.file.once('close', () => callback());
    this.file.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.file.destroy();
    callback(error);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export function createLocalReportStorage(dir: string): ReportStorage {
  const root = path.resolve(dir);

  function pathOf(fileName: string): string {
    assertSafeFileName(fileName);
    const full = path.resolve(root, fileName);
    if (path.dirname(full) !== root) throw new UnsafeReportFileNameError(fileName);
    return full;
  }

  async function removePartials(fileName: string): Promise<number> {
    assertSafeFileName(fileName);
    let entries: string[];
    try {
      entries = await fsp.readdir(root);
    } catch (err) {
      if (isMissing(err)) return 0;
      throw err;
    }
    let removed = 0;
    for (const entry of entries) {
      if (!entry.startsWith(partialPrefix(fileName)) || !entry.endsWith(PARTIAL_SUFFIX)) continue;
      await fsp.rm(path.join(root, entry), { force: true });
      removed++;
    }
    return removed;
  }

  return {
    async begin(fileName) {
      const finalPath = pathOf(fileName);
      await fsp.mkdir(root, { recursive: true });
      // a unique temp name per attempt: a retried export never appends to a dead attempt's file
      const tempPath = path.join(root, `${partialPrefix(fileName)}${randomUUID()}${PARTIAL_SUFFIX}`);
      const file = fs.createWriteStream(tempPath, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES });
      // the temp file exists (and an open error surfaces) before anything is written to it
      await new Promise<void>((resolve, reject) => {
        file.once('open', () => resolve());
        file.once('error', reject);
      });
      const stream = new HashingFileStream(file);
      let state: 'writing' | 'committed' | 'discarded' = 'writing';
      return {
        stream,
        async commit() {
          if (state !== 'writing') throw new Error(`report file already ${state}`);
          if (!stream.writableFinished) {
            await new Promise<void>((resolve, reject) => {
              stream.once('error', reject);
              if (stream.writableFinished) resolve();
              else stream.once('finish', () => resolve());
              if (!stream.writableEnded) stream.end();
            });
          }
          // the bytes reach the disk before the name does, so a crash never exposes a short file
          const handle = await fsp.open(tempPath, 'r');
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
          await fsp.rename(tempPath, finalPath);
          state = 'committed';
          return { fileName, size: stream.size, checksum: stream.digest() };
        },
        async discard() {
          if (state === 'committed') return;
          state = 'discarded';
          stream.destroy();
          await fsp.rm(tempPath, { force: true });
        },
      };
    },

    async open(fileName) {
      const full = pathOf(fileName);
      try {
        const handle = await fsp.open(full, 'r');
        const { size } = await handle.stat();
        return { stream: handle.createReadStream({ autoClose: true }), size };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },

    async exists(fileName) {
      try {
        return (await fsp.stat(pathOf(fileName))).isFile();
      } catch (err) {
        if (isMissing(err)) return false;
        throw err;
      }
    },

    async remove(fileName) {
      await fsp.rm(pathOf(fileName), { force: true });
      await removePartials(fileName);
    },

    removePartials,
  };
}

/** REPORTS_STORAGE: a directory (default, a shared volume when processes run on several hosts) or an S3-compatible bucket. */
export function createReportStorage(reports: Config['reports']): ReportStorage {
  if (reports.storage.kind === 's3') {
    // loaded only when configured: the AWS SDK stays out of processes that keep reports on disk
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createS3ReportStorage } = require('./s3-storage') as typeof import('./s3-storage');
    return createS3ReportStorage(reports.storage);
  }
  return createLocalReportStorage(reports.storage.dir);
}
