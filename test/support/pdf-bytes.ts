// One report PDF of fixed rows at a fixed clock: prints its sha256, its size and how many of fontkit and crypto-js's
// index got loaded. With the argument "whole", pdfkit is loaded whole first, as it was before the PDF writer loaded
// it without them. Run by test/unit/reports-pdf-loader.test.ts in processes of their own.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';

const RealDate = Date;
const FIXED = RealDate.parse('2026-12-01T12:00:00Z');
/** pdfkit stamps the document with new Date() (and hashes it into the ID): the clock stands still here */
class FixedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(FIXED);
    else super(...(args as [number]));
  }

  static override now(): number {
    return FIXED;
  }
}

async function main(): Promise<void> {
  globalThis.Date = FixedDate as DateConstructor;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, after the clock is fixed
  if (process.argv[2] === 'whole') require('pdfkit');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as the report writers load it, on the first PDF
  const { createPdfWriter } = require('../../src/reports/writers/pdf-writer') as typeof import('../../src/reports/writers/pdf-writer');
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  const rows = Array.from({ length: 3000 }, (_, i) => ({
    id: i + 1,
    subject: `Café ☕ "x" #${i}`,
    status: 'open' as const,
    priority: 'low' as const,
    company: 'Acme',
    companyId: 1,
    requester: 'a@example.test',
    assignee: i % 3 ? null : 'b@example.test',
    createdAt: new RealDate(1_700_000_000_000 + i * 1_000_000).toISOString(),
    closedAt: null,
  }));
  const writer = createPdfWriter(out, { reportId: 1, generatedAt: new RealDate(FIXED), filters: {}, rowCount: rows.length, summary: { total: rows.length, byStatus: {}, byPriority: {} } });
  await writer.writeRows(rows);
  await writer.finish();
  const pdf = Buffer.concat(chunks);
  const heavyModules = Object.keys(require.cache).filter((file) => /node_modules\/(fontkit\/|crypto-js\/index)/.test(file)).length;
  console.log(JSON.stringify({ sha256: createHash('sha256').update(pdf).digest('hex'), size: pdf.length, heavyModules }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
