import { createHash, randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/config';
import { createS3ReportStorage } from '../../src/reports/s3-storage';
import { createReportStorage, UnsafeReportFileNameError, type ReportStorage } from '../../src/reports/storage';
import { startMotoServer, type MotoServer } from '../support/moto-server';
import { waitFor } from '../support/wait';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
}, 60_000);
afterAll(() => moto?.stop());

let bucketCount = 0;
async function freshStorage(): Promise<{ storage: ReportStorage; bucket: string }> {
  const config = await moto.bucket(`reports-${Date.now()}-${++bucketCount}`);
  return { storage: createS3ReportStorage(config), bucket: config.bucket };
}

const write = (stream: NodeJS.WritableStream, chunk: Buffer | string) =>
  new Promise<void>((resolve, reject) => stream.write(chunk, (err) => (err ? reject(err) : resolve())));

async function objectKeys(bucket: string): Promise<string[]> {
  return ((await moto.client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key as string);
}
async function openUploads(bucket: string): Promise<number> {
  return ((await moto.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).length;
}

describe('report storage in an S3-compatible bucket (moto server)', () => {
  it('REPORTS_STORAGE=s3://bucket/prefix selects the bucket, with the endpoint and keys of the S3_* settings', () => {
    const config = loadConfig({
      REPORTS_STORAGE: 's3://helpdesk-reports/prod/reports/',
      S3_ENDPOINT: 'http://minio.internal:9000',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(config.reports.storage).toEqual({
      kind: 's3',
      bucket: 'helpdesk-reports',
      prefix: 'prod/reports/',
      endpoint: 'http://minio.internal:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
      forcePathStyle: true,
    });
    expect(loadConfig({ REPORTS_STORAGE: '/srv/reports' }).reports.storage).toEqual({ kind: 'directory', dir: '/srv/reports' });
    expect(() => loadConfig({ REPORTS_STORAGE: 'ftp://host/x' })).toThrow(/^Invalid configuration: REPORTS_STORAGE /);
    expect(() => loadConfig({ REPORTS_STORAGE: 's3://b-1/x', S3_ACCESS_KEY_ID: 'id' })).toThrow(/^Invalid configuration: S3_SECRET_ACCESS_KEY /);
  });

  it('streams a multi-part file that stays invisible until commit, then reads it back with its size and sha256', async () => {
    const { storage, bucket } = await freshStorage();
    const pending = await storage.begin('report-1.csv');
    // 12 MiB: three parts of a multipart upload
    const chunks = Array.from({ length: 12 }, () => randomBytes(1024 * 1024));
    for (const chunk of chunks) await write(pending.stream, chunk);
    expect(await storage.exists('report-1.csv')).toBe(false);
    expect(await storage.open('report-1.csv')).toBeUndefined();

    const stored = await pending.commit();
    const all = Buffer.concat(chunks);
    expect(stored).toEqual({ fileName: 'report-1.csv', size: all.length, checksum: createHash('sha256').update(all).digest('hex') });
    expect(await objectKeys(bucket)).toEqual(['reports/report-1.csv']);
    const opened = await storage.open('report-1.csv');
    expect(opened?.size).toBe(all.length);
    expect((await buffer(opened!.stream)).equals(all)).toBe(true);
    expect(await openUploads(bucket)).toBe(0);
  });

  it('a small file is stored too', async () => {
    const { storage } = await freshStorage();
    const pending = await storage.begin('report-2.json');
    await write(pending.stream, '{"rows":[]}');
    expect(await pending.commit()).toMatchObject({ size: 11 });
    expect(await storage.exists('report-2.json')).toBe(true);
  });

  it('a discarded upload leaves no object and no parts behind', async () => {
    const { storage, bucket } = await freshStorage();
    const pending = await storage.begin('report-3.csv');
    for (let i = 0; i < 7; i++) await write(pending.stream, randomBytes(1024 * 1024));
    await waitFor(async () => (await openUploads(bucket)) > 0, { what: 'the multipart upload to begin' });
    await pending.discard();
    expect(await storage.exists('report-3.csv')).toBe(false);
    expect(await objectKeys(bucket)).toEqual([]);
    expect(await openUploads(bucket)).toBe(0);
  });

  it('an upload interrupted mid-way (its process gone) leaves no object; the next attempt clears its parts first', async () => {
    const { storage, bucket } = await freshStorage();
    const dead = await storage.begin('report-4.csv');
    for (let i = 0; i < 7; i++) await write(dead.stream, randomBytes(1024 * 1024));
    await waitFor(async () => (await openUploads(bucket)) > 0, { what: 'a part to be uploaded' });
    // the writer dies: neither commit nor discard ever runs (a storage built anew, like a restarted worker)
    const restarted = createS3ReportStorage(configOf(bucket));
    await expect(moto.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'reports/report-4.csv' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    expect(await restarted.removePartials('report-4.csv')).toBeGreaterThanOrEqual(1);
    expect(await openUploads(bucket)).toBe(0);
    expect(await objectKeys(bucket)).toEqual([]);
    dead.stream.destroy();
  });

  it('remove deletes the object; unsafe names are refused before any request', async () => {
    const { storage } = await freshStorage();
    const pending = await storage.begin('report-5.pdf');
    await write(pending.stream, 'pdf');
    await pending.commit();
    await storage.remove('report-5.pdf');
    expect(await storage.exists('report-5.pdf')).toBe(false);
    await expect(storage.begin('../x')).rejects.toThrow(UnsafeReportFileNameError);
    await expect(storage.open('a/b')).rejects.toThrow(UnsafeReportFileNameError);
  });

  it('createReportStorage builds the bucket storage from the settings', async () => {
    const config = await moto.bucket(`reports-config-${Date.now()}`);
    const storage = createReportStorage({
      ...loadConfig({ REPORTS_STORAGE: `s3://${config.bucket}/reports`, S3_ENDPOINT: moto.endpoint, S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' }).reports,
    });
    const pending = await storage.begin('report-6.csv');
    await write(pending.stream, 'a,b\r\n');
    await pending.commit();
    expect(await objectKeys(config.bucket)).toEqual(['reports/report-6.csv']);
  });
});

function configOf(bucket: string) {
  return { kind: 's3' as const, bucket, prefix: 'reports/', endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, forcePathStyle: true };
}
