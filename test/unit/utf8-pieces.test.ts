import { Utf8Pieces } from '../../src/reports/writers/utf8-pieces';

const texts = ['plain', 'Zoë Ünïcødé', '請求書', 'emoji ☕ 😀', 'lone \ud800 high', 'lone \udc00 low', '', 'x'.repeat(40), '€'.repeat(30)];

describe('UTF-8 pieces of a report', () => {
  it('hold the bytes Buffer.from gives the whole text, lone surrogates as U+FFFD, across piece boundaries', () => {
    const pieces = new Utf8Pieces(64);
    let whole = '';
    const taken: Buffer[] = [];
    for (let i = 0; i < 500; i++) {
      const text = texts[i % texts.length];
      pieces.add(text);
      whole += text;
      if (i % 37 === 0) taken.push(...pieces.take());
    }
    taken.push(...pieces.take());
    expect(Buffer.concat(taken).equals(Buffer.from(whole, 'utf8'))).toBe(true);
    // only a text that may take more than a piece (30 euro signs: up to 90 bytes) stands alone, longer
    expect(taken.every((piece) => piece.length <= 64 || piece.equals(Buffer.from('€'.repeat(30))))).toBe(true);
    expect(taken.length).toBeGreaterThan(100);
  });

  it('give a text longer than a piece a piece of its own, in its place', () => {
    const pieces = new Utf8Pieces(64);
    const long = `${'ü'.repeat(100)} 😀 ${'a'.repeat(100)}`;
    pieces.add('before');
    pieces.add(long);
    pieces.add('after');
    const taken = pieces.take();
    expect(taken.map((piece) => piece.toString('utf8'))).toEqual(['before', long, 'after']);
  });

  it('count the bytes gathered until they are taken, and nothing after', () => {
    const pieces = new Utf8Pieces(16);
    pieces.add('ab');
    pieces.add('ü'.repeat(10));
    expect(pieces.length).toBe(2 + 20);
    pieces.take();
    expect(pieces.length).toBe(0);
    expect(pieces.take()).toEqual([]);
  });
});
