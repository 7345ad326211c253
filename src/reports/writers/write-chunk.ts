import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes and, when the stream's buffer is full, waits for it to drain: memory stays flat. */
export async function writeChunk(out: Writable, chunk: unknown): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
