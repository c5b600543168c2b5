// Every SQL statement in the sources is parameterized: the scan of test/fuzz/sql-scan.ts over the
// whole checkout finds no query text built from values. Three statements are allowed by name, each
// with its reason (and each must still exist, so an allowance cannot outlive its statement). The
// scanner itself is tested on code that builds SQL the forbidden ways.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, STATE_DIR } from '../../../shared/paths';
import { findUnparameterizedSql, SOURCE_DIRS } from '../../fuzz/sql-scan';

const ALLOWED = [
  {
    file: 'activities/partition-merge/region-store.ts',
    text: 'INSERT INTO ${table}',
    why: 'insertMissing receives the store’s table name already escaped (this.t = escapeIdentifier(...))',
  },
  {
    file: 'platform/exporter/orgs.ts',
    text: 'FROM (${union}) u',
    why: 'a UNION of one count per org-owned table; each table name comes from the catalogue through escapeIdentifier',
  },
  {
    file: 'bench/reconciliation.ts',
    text: 'FETCH ${pageSize}',
    why: 'FETCH takes no bind parameter; the count is the benchmark’s own numeric option',
  },
];

test('no SQL statement in the sources is built from values', () => {
  const findings = findUnparameterizedSql(REPO_ROOT, SOURCE_DIRS);
  const allowed = (f: { file: string; text: string }) =>
    ALLOWED.some((a) => a.file === f.file && f.text.includes(a.text));
  expect(findings.filter((f) => !allowed(f))).toEqual([]);
  // Each allowance still matches a statement.
  for (const a of ALLOWED)
    expect(findings.some((f) => f.file === a.file && f.text.includes(a.text))).toBe(true);
});

test('the scan reports interpolated values, concatenation and hand-written quoting', () => {
  mkdirSync(join(STATE_DIR, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(STATE_DIR, 'tmp', 'sql-scan-'));
  try {
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'src', 'bad.ts'),
      [
        "import { escapeIdentifier } from 'pg';",
        'declare const pool: { query: (...a: unknown[]) => void };',
        "const COLUMNS = 'id, name';",
        "const t = escapeIdentifier('orgs');",
        'export function f(id: string, table: string) {',
        '  pool.query(`SELECT * FROM orgs WHERE id = ${id}`);',
        "  pool.query('SELECT * FROM orgs WHERE id = ' + id);",
        '  pool.query(`DELETE FROM "${table.replace(/"/g, \'""\')}"`);',
        '  pool.query({ text: `SELECT ${id}` });',
        '  pool.query(`SELECT ${COLUMNS} FROM ${t} WHERE id = $1`, [id]);',
        '  pool.query(`SELECT 1 FROM ${escapeIdentifier(table)}`);',
        "  pool.query('SELECT $1', [id]);",
        '}',
      ].join('\n'),
    );
    const lines = findUnparameterizedSql(dir, ['src']).map((f) => f.line);
    expect(lines).toEqual([6, 7, 8, 9]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
