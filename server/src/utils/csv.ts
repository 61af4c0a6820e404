/**
 * A streaming CSV reader (RFC 4180: comma-separated, double-quoted cells with "" for a quote,
 * quoted cells may hold commas and line breaks; CRLF or LF line ends; a UTF-8 BOM is ignored).
 * It yields one record at a time from a stream of chunks, so a file of any length is read with
 * only the current record in memory. No CSV library ships with Strapi, and the format the
 * plugin's own export writes is this small one: a dependency was not worth it.
 */

export class CsvError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

/** Records (arrays of cells) of a CSV stream, with the line each one starts on (1-based). */
export async function* readCsv(
  chunks: AsyncIterable<string | Buffer | Uint8Array>
): AsyncGenerator<{ cells: string[]; line: number }> {
  const decoder = new TextDecoder('utf-8');
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  /** Inside a quoted cell; `quoteSeen`: the last character was a quote in one (escape or end). */
  let inQuotes = false;
  let quoteSeen = false;
  let line = 1;
  let recordLine = 1;
  let started = false;
  let first = true;
  let pendingCR = false;

  const endCell = () => {
    cells.push(cell);
    cell = '';
    quoted = false;
  };

  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const out: { cells: string[]; line: number }[] = [];
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (pendingCR) {
        pendingCR = false;
        if (ch === '\n') continue;
      }
      if (inQuotes) {
        if (quoteSeen) {
          quoteSeen = false;
          if (ch === '"') {
            cell += '"';
            continue;
          }
          inQuotes = false;
          // falls through: the quote closed the cell, this character follows it
        } else if (ch === '"') {
          quoteSeen = true;
          continue;
        } else {
          if (ch === '\n') line += 1;
          cell += ch;
          continue;
        }
      }
      if (ch === '"' && !quoted && cell === '') {
        inQuotes = true;
        quoted = true;
        started = true;
        continue;
      }
      if (ch === ',') {
        endCell();
        started = true;
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        if (ch === '\r') pendingCR = true;
        if (started || cell !== '' || cells.length > 0) {
          endCell();
          out.push({ cells, line: recordLine });
        }
        cells = [];
        started = false;
        line += 1;
        recordLine = line;
        continue;
      }
      if (quoted) throw new CsvError(`line ${line}: text after a closing quote`, line);
      cell += ch;
      started = true;
    }
    for (const record of out) yield record;
  }
  if (inQuotes && !quoteSeen) throw new CsvError(`line ${recordLine}: a quoted cell is never closed`, recordLine);
  if (started || cell !== '' || cells.length > 0) {
    endCell();
    yield { cells, line: recordLine };
  }
}

/** One CSV cell: quoted, and never a formula a spreadsheet would run (=, +, -, @). */
export const csvCell = (value: unknown): string => {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
};

/** A cell as `csvCell` wrote it, back to its value: the quote that defused a formula is removed. */
export const uncell = (text: string): string => (/^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text);
