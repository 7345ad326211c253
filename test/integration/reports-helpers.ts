import zlib from 'node:zlib';
import { isSqlite, type Db } from '../../src/db/knex';
import type { ReportFilters } from '../../src/jobs/contract';
import type { JobsGateway } from '../../src/jobs/gateway';
import { toDate, toDateOrNull } from '../../src/db/normalize';
import type { ReportRow } from '../../src/reports/columns';
import { waitFor } from '../support/wait';
import type { httpClient } from '../support/http';

type Client = ReturnType<typeof httpClient>;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The report's rows, straight from SQL written here independently of the query builder:
 * what every format must contain, in created_at, id order.
 */
export async function expectedRows(db: Db, filters: ReportFilters): Promise<ReportRow[]> {
  const where: string[] = [];
  const bindings: unknown[] = [];
  if (filters.from) {
    where.push('t.created_at >= ?');
    bindings.push(new Date(DATE_ONLY.test(filters.from) ? `${filters.from}T00:00:00Z` : filters.from));
  }
  if (filters.to) {
    if (DATE_ONLY.test(filters.to)) {
      where.push('t.created_at < ?');
      bindings.push(new Date(Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000));
    } else {
      where.push('t.created_at <= ?');
      bindings.push(new Date(filters.to));
    }
  }
  for (const [column, values] of [
    ['t.company_id', filters.companyIds],
    ['t.status', filters.statuses],
    ['t.priority', filters.priorities],
  ] as const) {
    if (values?.length) {
      where.push(`${column} in (${values.map(() => '?').join(', ')})`);
      bindings.push(...values);
    }
  }
  const sql = `
    select t.id, t.subject, t.status, t.priority, c.name as company_name, t.company_id, r.email as requester_email,
           a.email as assignee_email, t.created_at, t.closed_at
    from tickets t
    inner join companies c on c.id = t.company_id
    inner join users r on r.id = t.requester_id
    left join users a on a.id = t.assignee_id
    ${where.length ? `where ${where.join(' and ')}` : ''}
    order by t.created_at asc, t.id asc`;
  const result = await db.raw(sql, bindings.map((b) => (b instanceof Date && db.client.config.client === 'better-sqlite3' ? b.getTime() : b)) as never[]);
  const rows: Array<Record<string, unknown>> = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
  return rows.map((row) => ({
    id: Number(row.id),
    subject: String(row.subject),
    status: row.status as ReportRow['status'],
    priority: row.priority as ReportRow['priority'],
    company: String(row.company_name),
    companyId: Number(row.company_id),
    requester: String(row.requester_email),
    assignee: (row.assignee_email as string | null) ?? null,
    createdAt: toDate(row.created_at).toISOString(),
    closedAt: toDateOrNull(row.closed_at)?.toISOString() ?? null,
  }));
}

/**
 * RFC 4180 reader, enough for the tests: quoted fields, doubled quotes, CRLF records. Strict: a CR
 * or LF outside quotes that is not a CRLF record end is an error, as it splits the record for most readers.
 */
export function parseCsv(raw: string): string[][] {
  // the export starts with a UTF-8 byte order mark (for spreadsheet programs)
  const text = raw.replace(/^\uFEFF/, '');
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else if (ch === '\r' || ch === '\n') throw new Error(`unquoted line break in record ${records.length + 1}`);
    else field += ch;
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with CRLF');
  return records;
}

export function csvExpectedCells(row: ReportRow): string[] {
  return [row.id, row.subject, row.status, row.priority, row.company, row.companyId, row.requester, row.assignee, row.createdAt, row.closedAt].map(
    (value) => {
      const text = value === null ? '' : String(value);
      return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    },
  );
}

// the standard fonts' WinAnsi code points 0x80-0x9f (undefined ones stay as they are)
const WIN_ANSI_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';

function decodeWinAnsi(bytes: Buffer): string {
  return [...bytes].map((b) => (b >= 0x80 && b <= 0x9f ? WIN_ANSI_HIGH[b - 0x80] : String.fromCharCode(b))).join('');
}

/** Every text run drawn in a pdfkit document, in drawing order. */
export function pdfTexts(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const texts: string[] = [];
  // slice each stream by its /Length: compressed bytes may themselves end in \r or contain "endstream"
  const streams = /<<([\s\S]*?)>>\nstream\n/g;
  let match: RegExpExecArray | null;
  while ((match = streams.exec(raw))) {
    const length = [...match[1].matchAll(/\/Length (\d+)/g)].pop()?.[1];
    if (!length || !match[1].includes('/FlateDecode')) continue;
    const start = match.index + match[0].length;
    streams.lastIndex = start + Number(length);
    const content = zlib.inflateSync(Buffer.from(raw.slice(start, start + Number(length)), 'latin1')).toString('latin1');
    const runs = /\[([^\]]*)\]\s*TJ/g;
    let run: RegExpExecArray | null;
    while ((run = runs.exec(content))) {
      const hex = (run[1].match(/<([0-9a-fA-F]*)>/g) ?? []).map((h) => h.slice(1, -1)).join('');
      texts.push(decodeWinAnsi(Buffer.from(hex, 'hex')));
    }
  }
  return texts;
}

export async function waitForReport(client: Client, id: number, statuses: string[], timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const res = await client.get(`/api/reports/${id}`);
      if (res.status !== 200) throw new Error(`GET report ${id}: ${res.status}`);
      return statuses.includes(res.body.status) ? res.body : undefined;
    },
    { timeoutMs, intervalMs: 150, what: `report ${id} to be ${statuses.join('|')}` },
  );
}

export async function download(baseUrl: string, token: string, id: number) {
  const res = await fetch(`${baseUrl}/api/reports/${id}/download`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Visibility is eventually consistent: what a look right after a request may still miss. */
export const VISIBILITY_SETTLE_MS = 300;

/** Ids of the workflows Temporal visibility lists as started on behalf of this user (the RequestedBy search attribute). */
export async function workflowsRequestedBy(jobs: JobsGateway, userId: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of jobs.list(`RequestedBy = ${userId}`, 1000)) ids.push(execution.workflowId);
  return ids.sort();
}

/** The leading column of every index on the table, as the query planner would use it for an equality filter. */
export async function indexedLeadingColumns(db: Db, table: string): Promise<string[]> {
  if (isSqlite(db)) {
    const indexes: Array<{ name: string }> = await db.raw(`pragma index_list(${table})`);
    const leading = await Promise.all(
      indexes.map(async ({ name }) => ((await db.raw(`pragma index_info("${name}")`)) as Array<{ seqno: number; name: string }>).find((c) => c.seqno === 0)?.name),
    );
    return leading.filter((name): name is string => Boolean(name));
  }
  const [rows] = await db.raw('show index from ??', [table]);
  return (rows as Array<{ Seq_in_index: number; Column_name: string }>).filter((r) => Number(r.Seq_in_index) === 1).map((r) => r.Column_name);
}
