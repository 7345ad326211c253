import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The PDF writer loads pdfkit without fontkit and most of crypto-js (pdf-writer.ts, loadPdfkit). In a process of its
 * own (Jest keeps a module registry of its own), the PDF must be the very bytes pdfkit loaded whole writes.
 */
function pdfIn(mode: 'whole' | 'writer'): { sha256: string; size: number; heavyModules: number } {
  const script = path.resolve(__dirname, '../support/pdf-bytes.ts');
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '');
}

describe('the PDF writer loading pdfkit', () => {
  it('writes the bytes of pdfkit loaded whole, without loading fontkit or all of crypto-js', () => {
    const whole = pdfIn('whole');
    const writer = pdfIn('writer');
    expect(whole.heavyModules).toBe(2);
    expect(writer.heavyModules).toBe(0);
    expect(writer.size).toBeGreaterThan(10_000);
    expect(writer).toEqual({ ...whole, heavyModules: 0 });
    // the bytes the writer wrote before the short ways for cells (pdf-writer.ts), for these rows at this clock
    expect(writer.sha256).toBe('e9431121b2721fe2812893d05d5dbf16842387dd5824e1ec28d234817c7de1b9');
  }, 120_000);
});
