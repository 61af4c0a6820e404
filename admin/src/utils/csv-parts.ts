import type { ImportRowResult } from '../api/contract';

/**
 * Splits a CSV file into parts the import route takes one request at a time (each well under the
 * server's size limit), every part with the file's header line, cut only between records (a
 * quoted cell may hold line breaks). The file is read as a stream: a file of any size is never
 * held whole in the page's memory.
 */
export interface CsvPart {
  /** The header line and whole records. */
  text: string;
  /** The number of the part's first data row in the file (1 = the line after the header). */
  firstRow: number;
  rows: number;
  /** Bytes of the file read so far (for the progress bar). */
  bytesRead: number;
}

export async function* csvParts(file: Blob, options: { maxRows?: number; maxChars?: number } = {}): AsyncGenerator<CsvPart> {
  const maxRows = options.maxRows ?? 1000;
  const maxChars = options.maxChars ?? 256 * 1024;
  const reader = file.stream().getReader();
  const decoder = new TextDecoder('utf-8');
  let header: string | null = null;
  let record = '';
  let inQuotes = false;
  let records: string[] = [];
  let chars = 0;
  let firstRow = 1;
  let bytesRead = 0;

  const take = (line: string) => {
    if (header === null) header = line.replace(/^\uFEFF/, '');
    else if (line.trim() !== '') {
      records.push(line);
      chars += line.length + 1;
    }
  };
  const part = (): CsvPart => {
    const out = { text: `${header}\n${records.join('\n')}\n`, firstRow, rows: records.length, bytesRead };
    firstRow += records.length;
    records = [];
    chars = 0;
    return out;
  };

  for (;;) {
    const { done, value } = await reader.read();
    const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
    if (value) bytesRead += value.byteLength;
    let start = 0;
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (ch === '"') inQuotes = !inQuotes;
      else if (ch === '\n' && !inQuotes) {
        take((record + text.slice(start, i)).replace(/\r$/, ''));
        record = '';
        start = i + 1;
        if (records.length >= maxRows || chars >= maxChars) yield part();
      }
    }
    record += text.slice(start);
    if (done) break;
  }
  if (record.trim() !== '') take(record.replace(/\r$/, ''));
  if (records.length > 0) yield part();
}

/** The import's columns, as the server reads them (server/src/services/import.ts: IMPORT_COLUMNS). */
const COLUMNS = ['email', 'username', 'name', 'offer', 'startsAt', 'dueAt', 'endsAt', 'status', 'source'] as const;

/** One CSV cell: quoted, and never a formula a spreadsheet would run (as the server's export). */
const cell = (value: unknown): string => {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
};

/** The refused rows as CSV, as the server's `report=refused` writes them: row, column, error, then the row as given. */
export const refusedReport = (rows: readonly ImportRowResult[]): string =>
  ['row', 'column', 'error', ...COLUMNS].join(',') +
  '\r\n' +
  rows.map((r) => [r.row, r.column ?? '', r.error ?? '', ...COLUMNS.map((c) => r.values[c] ?? '')].map(cell).join(',') + '\r\n').join('');
