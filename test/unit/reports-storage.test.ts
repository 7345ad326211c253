import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { assertSafeFileName, createLocalReportStorage, UnsafeReportFileNameError } from '../../src/reports/storage';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reports-storage-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (stream: NodeJS.WritableStream, chunk: string) => new Promise<void>((resolve) => stream.write(chunk, () => resolve()));

describe('local report storage', () => {
  it.each(['../x', '%2e%2e%2f', '..', '.', '', '/etc/passwd', 'a/b', 'a\\b', '.hidden', 'report-1..csv', 'x\u0000y'])(
    'refuses the unsafe name %j',
    async (name) => {
      expect(() => assertSafeFileName(name)).toThrow(UnsafeReportFileNameError);
      const storage = createLocalReportStorage(dir);
      await expect(storage.open(name)).rejects.toThrow(UnsafeReportFileNameError);
      await expect(storage.begin(name)).rejects.toThrow(UnsafeReportFileNameError);
      await expect(storage.remove(name)).rejects.toThrow(UnsafeReportFileNameError);
    },
  );

  it('keeps a file invisible until commit, then renames it into place with its size and sha256', async () => {
    const storage = createLocalReportStorage(dir);
    const pending = await storage.begin('report-1.csv');
    await write(pending.stream, 'id,subject\r\n');
    await write(pending.stream, '1,hello\r\n');
    expect(await storage.exists('report-1.csv')).toBe(false);
    expect(await storage.open('report-1.csv')).toBeUndefined();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.partial'))).toHaveLength(1);

    const stored = await pending.commit();
    const body = 'id,subject\r\n1,hello\r\n';
    expect(stored).toEqual({
      fileName: 'report-1.csv',
      size: Buffer.byteLength(body),
      checksum: createHash('sha256').update(body).digest('hex'),
    });
    expect(fs.readdirSync(dir)).toEqual(['report-1.csv']);
    const opened = await storage.open('report-1.csv');
    expect(opened?.size).toBe(stored.size);
    expect(await text(opened!.stream)).toBe(body);
  });

  it('gives every attempt its own temp file and a commit replaces the old file atomically', async () => {
    const storage = createLocalReportStorage(dir);
    const dead = await storage.begin('report-2.json');
    await write(dead.stream, '{"half":');
    const retry = await storage.begin('report-2.json');
    await write(retry.stream, '{"whole":true}');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.partial'))).toHaveLength(2);
    await retry.commit();
    expect(fs.readFileSync(path.join(dir, 'report-2.json'), 'utf8')).toBe('{"whole":true}');
    expect(await storage.removePartials('report-2.json')).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['report-2.json']);
  });

  it('discard removes the temp file and leaves no final file', async () => {
    const storage = createLocalReportStorage(dir);
    const pending = await storage.begin('report-3.pdf');
    await write(pending.stream, '%PDF-');
    await pending.discard();
    await pending.discard();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('remove deletes the final file and any partials, and tolerates missing ones', async () => {
    const storage = createLocalReportStorage(dir);
    const done = await storage.begin('report-4.csv');
    await write(done.stream, 'x');
    await done.commit();
    const partial = await storage.begin('report-4.csv');
    await write(partial.stream, 'y');
    await storage.remove('report-4.csv');
    expect(fs.readdirSync(dir)).toEqual([]);
    await expect(storage.remove('report-4.csv')).resolves.toBeUndefined();
  });
});
