import type { Db } from '../db/knex';
import type { ReportFilters, ReportFormat, ReportProgress } from '../jobs/contract';
import { openReportSnapshot } from './row-source';
import { reportFileName, type ReportStorage, type StoredReportFile } from './storage';
import { createReportWriter } from './writers';

export interface ExportReportOptions {
  db: Db;
  storage: ReportStorage;
  reportId: number;
  format: ReportFormat;
  filters: ReportFilters;
  /** the largest PDF (a table of thousands of pages helps nobody): beyond this many rows the export refuses and suggests CSV */
  pdfMaxRows: number;
  /**
   * called with the running totals at the start, after every `progressEvery` rows or `progressIntervalMs`,
   * whichever comes first (checked between batches of rows), and once at the end; may throw to stop
   */
  onProgress?: (progress: ReportProgress) => void | Promise<void>;
  progressEvery?: number;
  progressIntervalMs?: number;
  /** stops the export between rows (the activity passes Temporal's cancellation signal) */
  signal?: AbortSignal;
  /** 0 = unlimited; spares a busy primary database from a flat-out scan */
  maxRowsPerSecond?: number;
  now?: () => Date;
}

export class ReportTooLargeError extends Error {
  constructor(readonly rowCount: number, readonly limit: number) {
    super(`A PDF report is limited to ${limit} rows and these filters match ${rowCount}; choose CSV or JSON, or narrow the filters.`);
    this.name = 'ReportTooLargeError';
  }
}

export class ReportRowCountChangedError extends Error {
  constructor(expected: number, actual: number) {
    super(`the snapshot counted ${expected} rows but streamed ${actual}`);
    this.name = 'ReportRowCountChangedError';
  }
}

/** the throttle sleeps in slices no longer than this, so progress and a cancel are noticed while it waits */
const THROTTLE_SLICE_MS = 250;
/** shorter waits are gathered up: a timer per row would cost more than the rows */
const THROTTLE_MIN_SLEEP_MS = 20;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Streams the filtered tickets from the database into a temp file, then renames it into place.
 * Memory stays flat: rows are read with back-pressure and written through draining streams, a batch at a time.
 */
export async function exportReportFile(options: ExportReportOptions): Promise<StoredReportFile & { rowCount: number }> {
  const progressEvery = options.progressEvery ?? 1000;
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  const fileName = reportFileName(options.reportId, options.format);
  // leftovers of a crashed earlier attempt are never served; remove them before starting over
  await options.storage.removePartials(fileName);
  const snapshot = await openReportSnapshot(options.db, options.filters);
  try {
    // only the PDF prints the counts by status and priority; their sum is the row count, so it costs no extra scan
    const summary = options.format === 'pdf' ? await snapshot.summary() : undefined;
    const totalRows = summary ? summary.total : await snapshot.count();
    if (options.format === 'pdf' && totalRows > options.pdfMaxRows) throw new ReportTooLargeError(totalRows, options.pdfMaxRows);
    const pending = await options.storage.begin(fileName);
    try {
      const writer = createReportWriter(options.format, pending.stream, {
        reportId: options.reportId,
        generatedAt: (options.now ?? (() => new Date()))(),
        filters: options.filters,
        rowCount: totalRows,
        summary,
      });
      await options.onProgress?.({ rowsWritten: 0, totalRows });
      const started = Date.now();
      let lastProgress = started;
      let rowsWritten = 0;
      let rowsAtLastProgress = 0;
      const report = async () => {
        lastProgress = Date.now();
        rowsAtLastProgress = rowsWritten;
        await options.onProgress?.({ rowsWritten, totalRows });
      };
      const rate = options.maxRowsPerSecond ?? 0;
      // throttled, rows go out in slices of about THROTTLE_MIN_SLEEP_MS' worth: a slow rate must not write a burst of rows and then sleep for minutes
      const slice = rate > 0 ? Math.max(1, Math.floor((rate * THROTTLE_MIN_SLEEP_MS) / 1000)) : Number.POSITIVE_INFINITY;
      for await (const batch of snapshot.batches()) {
        for (let from = 0; from < batch.length; from += slice) {
          options.signal?.throwIfAborted();
          const rows = from === 0 && batch.length <= slice ? batch : batch.slice(from, from + slice);
          await writer.writeRows(rows);
          rowsWritten += rows.length;
          if (rowsWritten - rowsAtLastProgress >= progressEvery || Date.now() - lastProgress >= progressIntervalMs) await report();
          if (rate > 0) {
            let ahead = (rowsWritten / rate) * 1000 - (Date.now() - started);
            while (ahead >= THROTTLE_MIN_SLEEP_MS) {
              await sleep(Math.min(ahead, THROTTLE_SLICE_MS), options.signal);
              if (Date.now() - lastProgress >= progressIntervalMs) await report();
              ahead = (rowsWritten / rate) * 1000 - (Date.now() - started);
            }
          }
        }
      }
      if (rowsWritten !== totalRows) throw new ReportRowCountChangedError(totalRows, rowsWritten);
      await writer.finish();
      await options.onProgress?.({ rowsWritten, totalRows });
      options.signal?.throwIfAborted();
      const stored = await pending.commit();
      return { ...stored, rowCount: rowsWritten };
    } catch (err) {
      await pending.discard();
      throw err;
    }
  } finally {
    await snapshot.close();
  }
}
