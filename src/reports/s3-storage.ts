import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ReportStorageConfig } from '../config';
import { assertSafeFileName, type PendingReportFile, type ReportStorage } from './storage';

export type S3StorageConfig = Extract<ReportStorageConfig, { kind: 's3' }>;

/** 5 MiB, S3's smallest part: a report's memory stays a few parts, whatever its size */
const PART_SIZE = 5 * 1024 * 1024;

function isNotFound(err: unknown): boolean {
  if (err instanceof S3ServiceException) return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404;
  return (err as { name?: string })?.name === 'NoSuchKey';
}

/** Counts and hashes the bytes on their way to the bucket, so the checksum needs no second read. */
class Hashing extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export function createS3Client(config: S3StorageConfig): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
  });
}

/**
 * Report files as objects of an S3-compatible bucket: report workers and API processes share no disk.
 * A file is streamed as a multipart upload (parts of 5 MiB) and becomes visible only when the upload
 * completes; a discarded or interrupted upload leaves no object (its parts are aborted by discard() or by
 * the next attempt's removePartials(); a bucket lifecycle rule for incomplete uploads covers the rest).
 */
export function createS3ReportStorage(config: S3StorageConfig, client: S3Client = createS3Client(config)): ReportStorage {
  const Bucket = config.bucket;
  const keyOf = (fileName: string) => {
    assertSafeFileName(fileName);
    return `${config.prefix}${fileName}`;
  };

  async function removePartials(fileName: string): Promise<number> {
    const Key = keyOf(fileName);
    let removed = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key, KeyMarker, UploadIdMarker }));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== Key || !upload.UploadId) continue;
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: upload.UploadId }));
          removed++;
        } catch (err) {
          // aborted meanwhile (by the upload's own abort): gone either way
          if ((err as { name?: string }).name !== 'NoSuchUpload') throw err;
        }
      }
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (KeyMarker);
    return removed;
  }

  return {
    async begin(fileName): Promise<PendingReportFile> {
      const Key = keyOf(fileName);
      const hashing = new Hashing();
      const body = new PassThrough({ highWaterMark: 64 * 1024 });
      hashing.pipe(body);
      const upload = new Upload({
        client,
        params: { Bucket, Key, Body: body, ContentType: 'application/octet-stream' },
        partSize: PART_SIZE,
        queueSize: 2,
        leavePartsOnError: false,
      });
      const done = upload.done();
      // a failed upload surfaces through the writer as a stream error
      done.catch((err: unknown) => hashing.destroy(err as Error));
      let state: 'writing' | 'committed' | 'discarded' = 'writing';
      return {
        stream: hashing,
        async commit() {
          if (state !== 'writing') throw new Error(`report file already ${state}`);
          if (!hashing.writableEnded) hashing.end();
          await done;
          state = 'committed';
          return { fileName, size: hashing.size, checksum: hashing.digest() };
        },
        async discard() {
          if (state !== 'writing') return;
          state = 'discarded';
          await upload.abort().catch(() => undefined);
          hashing.destroy();
          body.destroy();
          await done.catch(() => undefined);
          await removePartials(fileName);
        },
      };
    },

    async open(fileName) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(fileName) }));
        return { stream: object.Body as Readable, size: Number(object.ContentLength ?? 0) };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },

    async exists(fileName) {
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(fileName) }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    async remove(fileName) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(fileName) }));
      await removePartials(fileName);
    },

    removePartials,
  };
}
