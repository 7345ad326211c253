import type { Writable } from 'node:stream';

/** The error that stops writes to `out`, if any: its own, or its having been closed. */
export function outputError(out: Writable): Error | null {
  if (out.errored) return out.errored;
  return out.destroyed ? new Error('the report output was closed before the report was written') : null;
}

/** Writes and, when the stream's buffer is full, waits for it to drain: memory stays flat. A failed output rejects. */
export async function writeChunk(out: Writable, chunk: unknown): Promise<void> {
  const before = outputError(out);
  if (before) throw before;
  if (!out.write(chunk)) await drained(out);
}

/** Resolves once the stream's buffer has drained (at once when it is not full); a failed output rejects. */
export async function drained(out: Writable): Promise<void> {
  const before = outputError(out);
  if (before) throw before;
  if (!out.writableNeedDrain) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error | null) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(outputError(out) ?? new Error('the report output was closed before the report was written'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** Ends the stream with a last piece and waits until everything is flushed (or rejects with its error). */
export async function endOutput(out: Writable, chunk: string | Buffer): Promise<void> {
  const before = outputError(out);
  if (before) throw before;
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(chunk, () => {
      out.off('error', reject);
      resolve();
    });
  });
}
