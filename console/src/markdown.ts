// A reader for the markdown the API's incident report uses (client/report/incident-report.ts:
// headings, bullet lists, pipe tables, paragraphs, **bold** and `code`). It returns blocks of
// plain text runs, never HTML: the view builds DOM nodes with textContent, so nothing in a report
// (alert labels, comments, error messages) can inject markup into the console.

export interface Run {
  text: string;
  bold?: boolean;
  code?: boolean;
}

export type Block =
  | { kind: 'heading'; level: number; runs: Run[] }
  | { kind: 'list'; items: Run[][] }
  | { kind: 'table'; header: Run[][]; rows: Run[][][] }
  | { kind: 'paragraph'; runs: Run[] };

/** Splits `**bold**` and `` `code` `` out of a line of text. */
export function parseInline(text: string): Run[] {
  const runs: Run[] = [];
  const re = /\*\*(.+?)\*\*|`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) runs.push({ text: text.slice(last, m.index) });
    runs.push(m[1] !== undefined ? { text: m[1], bold: true } : { text: m[2], code: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) runs.push({ text: text.slice(last) });
  return runs;
}

/** The cells of a `| a | b |` row; `\|` is a literal bar (the report escapes bars that way). */
export function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '\\' && inner[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (inner[i] === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += inner[i];
  }
  cells.push(cur.trim());
  return cells;
}

const isSeparator = (line: string) => /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/.test(line.trim());

export function parseMarkdown(md: string): Block[] {
  const blocks: Block[] = [];
  const lines = md.split(/\r?\n/);
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ kind: 'paragraph', runs: parseInline(para.join(' ')) });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1].length, runs: parseInline(heading[2]) });
    } else if (/^\s*[-*]\s+/.test(line)) {
      flush();
      const items: Run[][] = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i])) {
        items.push(parseInline(lines[i].replace(/^\s*[-*]\s+/, '')));
        i++;
      }
      i--;
      blocks.push({ kind: 'list', items });
    } else if (line.trim().startsWith('|') && i + 1 < lines.length && isSeparator(lines[i + 1])) {
      flush();
      const header = tableCells(line).map(parseInline);
      const rows: Run[][][] = [];
      i += 2;
      while (i < lines.length && lines[i].trim().startsWith('|')) {
        rows.push(tableCells(lines[i]).map(parseInline));
        i++;
      }
      i--;
      blocks.push({ kind: 'table', header, rows });
    } else if (line.trim() === '') flush();
    else para.push(line.trim());
  }
  flush();
  return blocks;
}
