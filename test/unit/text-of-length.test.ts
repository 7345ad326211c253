import { textOfLength } from '../../src/api/strict-values';

describe('text of a length, counted in characters as the contract counts them', () => {
  const name = textOfLength(2, 4);

  it('counts an emoji (a surrogate pair) as one character, as JSON Schema maxLength does', () => {
    expect(name.safeParse('😀😀😀😀').success).toBe(true);
    expect(name.safeParse('😀😀😀😀😀').success).toBe(false);
    expect(name.safeParse('ab😀').success).toBe(true);
  });

  it('counts a lone surrogate as one character, and refuses too short text', () => {
    expect(name.safeParse('\ud800\ud800\ud800\ud800').success).toBe(true);
    expect(name.safeParse('\udc00'.repeat(5)).success).toBe(false);
    // a low surrogate and then two pairs: three characters
    expect(name.safeParse('\udc00\ud800\udc00\ud800\udc00').success).toBe(true);
    const short = name.safeParse('😀');
    expect(short.success).toBe(false);
    expect(short.error?.issues.map((issue) => issue.message)).toEqual(['String must contain at least 2 character(s)']);
  });
});
