/**
 * RFC 4180 CSV, once for the project: quoting for writers, and a tokenizer that reports the
 * file and line of every problem (labels, sessions, our own feature files).
 */

/** Quotes a field when it holds a comma, a quote or a line break. */
export function csvQuote(v: string): string {
  return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
}

export class CsvError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/** Parses RFC 4180 CSV; returns the header and the rows with their 1-based line numbers. */
export function parseCsv(text: string, file = '<csv>'): { header: string[]; rows: { line: number; cells: string[] }[] } {
  const rows: { line: number; cells: string[] }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  let header: string[] | null = null;
  while (i < n) {
    const startLine = line;
    const cells: string[] = [];
    let cell = '';
    let inQuotes = false;
    let endOfRecord = false;
    while (i < n && !endOfRecord) {
      const ch = text[i];
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
          inQuotes = false; i++; continue;
        }
        if (ch === '\n') line++;
        cell += ch; i++; continue;
      }
      if (ch === '"') {
        if (cell.length > 0) throw new CsvError(file, line, 'quote inside an unquoted field');
        inQuotes = true; i++; continue;
      }
      if (ch === ',') { cells.push(cell); cell = ''; i++; continue; }
      if (ch === '\r') { i++; continue; }
      if (ch === '\n') { endOfRecord = true; line++; i++; continue; }
      cell += ch; i++;
    }
    if (inQuotes) throw new CsvError(file, startLine, 'unterminated quoted field');
    cells.push(cell);
    if (cells.length === 1 && cells[0] === '') continue; // blank line
    if (!header) header = cells.map((c) => c.trim());
    else rows.push({ line: startLine, cells });
  }
  if (!header) throw new CsvError(file, 1, 'empty file (no header)');
  return { header, rows };
}

/** CSV with a header as one object per row; an empty text gives no rows. */
export function parseCsvObjects(text: string, file = 'CSV'): Record<string, string>[] {
  if (text.trim() === '') return [];
  const { header, rows } = parseCsv(text, file);
  return rows.map(({ line, cells }) => {
    if (cells.length !== header.length) throw new CsvError(file, line, `${cells.length} fields, expected ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j]]));
  });
}
