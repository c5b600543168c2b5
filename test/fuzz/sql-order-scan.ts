// Static check for one SQL trap: `SELECT id::text ... ORDER BY id`. In PostgreSQL an unqualified
// ORDER BY name refers to the output column first, so that statement sorts the TEXT of the ids
// ('1000' before '999'), not the numbers. It passed for months and failed CI the day the outbox's
// ids crossed a power of ten. A column cast to text without an alias keeps its name, so the scan
// reports every string in the sources that casts a bare column to text and orders by that bare name.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './sql-scan';

/** One statement that orders by the text of a column; `line` is 1-based. */
export interface TextOrderFinding {
  file: string;
  line: number;
  column: string;
}

/** String and template literals of a file (read by the TypeScript parser) with where each starts. */
function literals(file: string, source: string): { text: string; at: number }[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const out: { text: string; at: number }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n)) {
      out.push({ text: n.getText(sf).slice(1, -1), at: n.getStart(sf) }); // without its quotes
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The bare columns `text` casts to text without an alias and also orders by, bare. */
export function textOrderedColumns(sql: string): string[] {
  const found: string[] = [];
  const order = /\bORDER\s+BY\s+([^;)]*)/i.exec(sql)?.[1];
  if (!order) return found;
  const orderNames = new Set(
    order
      .split(',')
      .map((part) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:ASC|DESC|NULLS|$)/i.exec(part)?.[1])
      .filter((x): x is string => x !== undefined),
  );
  const cast = /(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)::text\b(?!\s*(?:\[|AS\b))/gi;
  for (let m = cast.exec(sql); m; m = cast.exec(sql)) {
    if (orderNames.has(m[1]) && !found.includes(m[1])) found.push(m[1]);
  }
  return found;
}

/** Every literal under `dirs` (relative to `root`) that orders by the text of a column. */
export function findTextOrderedSql(root: string, dirs: string[]): TextOrderFinding[] {
  const findings: TextOrderFinding[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const source = readFileSync(file, 'utf8');
      for (const lit of literals(file, source)) {
        for (const column of textOrderedColumns(lit.text)) {
          const line = source.slice(0, lit.at).split('\n').length;
          findings.push({ file: relative(root, file), line, column });
        }
      }
    }
  }
  return findings;
}
