/** a UTF-16 code unit takes at most three bytes of UTF-8 (a surrogate pair: two units, four bytes) */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Text gathered as UTF-8, record by record, into pieces of about `size` bytes ready for the file. Encoding each
 * record as it comes costs a fraction of building one long string of a batch and encoding that: V8 first flattens
 * a string made of thousands of pieces, and that copy was a fifth of a report's time. The bytes are those of
 * Buffer.from(text): a lone surrogate becomes U+FFFD as there.
 */
export class Utf8Pieces {
  private buffer: Buffer;
  private used = 0;
  private readonly full: Buffer[] = [];
  private fullBytes = 0;

  constructor(private readonly size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** bytes gathered and not yet taken */
  get length(): number {
    return this.fullBytes + this.used;
  }

  add(text: string): void {
    const most = text.length * MAX_BYTES_PER_UNIT;
    if (this.buffer.length - this.used >= most) {
      this.used += this.buffer.write(text, this.used, 'utf8');
      return;
    }
    this.closePiece();
    if (most > this.size) {
      // longer than a piece: a piece of its own
      this.pushFull(Buffer.from(text, 'utf8'));
      return;
    }
    this.used = this.buffer.write(text, 0, 'utf8');
  }

  /** every byte gathered, in pieces of at most about `size` (one longer text is a piece of its own) */
  take(): Buffer[] {
    this.closePiece();
    const pieces = this.full.splice(0);
    this.fullBytes = 0;
    return pieces;
  }

  private closePiece(): void {
    if (this.used === 0) return;
    this.pushFull(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(this.size);
    this.used = 0;
  }

  private pushFull(piece: Buffer): void {
    this.full.push(piece);
    this.fullBytes += piece.length;
  }
}
