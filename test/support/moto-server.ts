import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3StorageConfig } from '../../src/reports/s3-storage';
import { freePort } from './ports';
import { waitFor } from './wait';

const MOTO_SERVER = path.resolve(__dirname, '..', '..', '.tools', 'bin', 'moto_server');

export interface MotoServer {
  endpoint: string;
  /** a fresh bucket on it, and the storage settings that point there */
  bucket(name: string): Promise<S3StorageConfig>;
  client: S3Client;
  stop(): Promise<void>;
}

/**
 * A real S3-compatible server for tests: moto in server mode (PyPI `moto[server]`, pinned, installed into
 * the project's .tools venv by .ci/run), on a free port, stopped with the test file.
 */
export async function startMotoServer(): Promise<MotoServer> {
  if (!fs.existsSync(MOTO_SERVER)) {
    throw new Error(`moto_server is not installed: .tools/bin/pip install 'moto[server]==5.2.5' (see .ci/run)`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'test-key', secretAccessKey: 'test-secret' };
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
      return (await fetch(`${endpoint}/moto-api/`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 30_000, what: 'moto_server to answer' },
  );
  return {
    endpoint,
    client,
    async bucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return { kind: 's3', bucket: name, prefix: 'reports/', endpoint, region: 'us-east-1', credentials, forcePathStyle: true };
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
