/** Windows-1252 at 0x80-0x9f (the five undefined codes stay as control characters, which printable() turns into '?') */
export const WIN_ANSI_80_9F = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';
/** each WinAnsi character beyond Latin-1, by its UTF-16 code, as its byte */
const WIN_ANSI_BYTE = new Map<number, number>();
for (let byte = 0x80; byte <= 0x9f; byte++) {
  const code = WIN_ANSI_80_9F.charCodeAt(byte - 0x80);
  if (code > 0xff) WIN_ANSI_BYTE.set(code, byte);
}
const QUESTION_MARK = 0x3f;
/** '…' in WinAnsi */
const ELLIPSIS = 0x85;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** shorter byte runs are copied in a loop: a call into TypedArray.set costs more than they do */
const LOOP_COPY_BYTES = 32;

/**
 * A page's content stream as it is written: bytes, grown in place. A table row is a dozen short operators and the
 * hex of its cells; writing them straight into one buffer costs a fraction of building each row as a string and
 * encoding it (the strings, their hex and their copies were most of the PDF writer's time besides compression).
 */
export class PdfContent {
  private bytes: Buffer;
  private used = 0;

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  /** bytes written and not yet taken */
  get length(): number {
    return this.used;
  }

  /** forgets what was written after `length` (a cell that turned out empty) */
  truncate(length: number): void {
    this.used = Math.min(this.used, length);
  }

  /** ASCII text (operators, numbers, hex), one byte per character */
  ascii(text: string): void {
    this.room(text.length);
    const bytes = this.bytes;
    let at = this.used;
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    this.used = at;
  }

  /** bytes as they are */
  raw(source: Uint8Array): void {
    this.room(source.length);
    if (source.length > LOOP_COPY_BYTES) {
      this.bytes.set(source, this.used);
      this.used += source.length;
      return;
    }
    const bytes = this.bytes;
    let at = this.used;
    for (let i = 0; i < source.length; i++) bytes[at++] = source[i];
    this.used = at;
  }

  /**
   * The hex of text's WinAnsi bytes, what winAnsiHex() returns: below 0x100 a character is its Latin-1 byte, the
   * WinAnsi characters beyond it take their byte, and any other code point (a surrogate pair is one) is '?'.
   */
  winAnsiHex(text: string, start = 0, end = text.length): void {
    this.room(2 * (end - start));
    const bytes = this.bytes;
    let at = this.used;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      let byte = code;
      if (code > 0xff) {
        byte = WIN_ANSI_BYTE.get(code) ?? QUESTION_MARK;
        // a high surrogate and its low one are one code point: one '?'
        if (code >= 0xd800 && code <= 0xdbff && i + 1 < end) {
          const next = text.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) i++;
        }
      }
      bytes[at++] = HEX_DIGITS[byte >> 4];
      bytes[at++] = HEX_DIGITS[byte & 15];
    }
    this.used = at;
  }

  /**
   * The hex of text whose every character is printable ASCII or Latin-1 (0x20-0x7e, 0xa0-0xff), cut as fit() cuts a
   * cell to `max` characters (the last of them '…'): what winAnsiHex(fit(printable(text))) gives, as printable()
   * leaves such text as it is. False, and nothing written, for text with any other character.
   */
  plainTextHex(text: string, max: number): boolean {
    const cut = text.length > max;
    const end = cut ? Math.max(1, max - 1) : text.length;
    this.room(2 * (end + 1));
    const bytes = this.bytes;
    let at = this.used;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || (code > 0x7e && code < 0xa0) || code > 0xff) return false;
      if (i < end) {
        bytes[at++] = HEX_DIGITS[code >> 4];
        bytes[at++] = HEX_DIGITS[code & 15];
      }
    }
    if (cut) {
      bytes[at++] = HEX_DIGITS[ELLIPSIS >> 4];
      bytes[at++] = HEX_DIGITS[ELLIPSIS & 15];
    }
    this.used = at;
    return true;
  }

  /** the hex of a whole number's decimal digits (0 or more, below 2^53) */
  digitsHex(n: number): void {
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    this.room(2 * digits);
    const bytes = this.bytes;
    let at = this.used + 2 * digits;
    this.used = at;
    let rest = n;
    do {
      // the digit d is the byte 0x30 + d: hex "3" and d
      bytes[--at] = HEX_DIGITS[rest % 10];
      bytes[--at] = 0x33;
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  /** everything written, as a buffer of its own; the content starts empty again */
  take(): Buffer {
    const taken = Buffer.from(this.bytes.subarray(0, this.used));
    this.used = 0;
    return taken;
  }

  private room(more: number): void {
    if (this.bytes.length - this.used >= more) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.used + more));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }
}
