// No statement in the sources sorts the text of a column it meant to sort by value (see
// test/fuzz/sql-order-scan.ts): `SELECT id::text FROM outbox ... ORDER BY id` ordered '1000'
// before '999' and failed CI once the outbox's ids reached four digits.
import { REPO_ROOT } from '../../../shared/paths';
import { findTextOrderedSql, textOrderedColumns } from '../../fuzz/sql-order-scan';
import { SOURCE_DIRS } from '../../fuzz/sql-scan';

test('no statement orders by the text of a column cast to text without an alias', () => {
  // This file's own examples below are the only statements allowed to show the trap.
  const findings = findTextOrderedSql(REPO_ROOT, SOURCE_DIRS).filter(
    (f) => f.file !== 'test/unit/fuzz/sql-text-order.test.ts',
  );
  expect(findings).toEqual([]);
});

test('the scan finds the trap and leaves the safe spellings alone', () => {
  expect(textOrderedColumns('SELECT id::text FROM outbox WHERE k = ANY($1) ORDER BY id')).toEqual(['id']);
  expect(textOrderedColumns('SELECT id::text, key FROM t ORDER BY key, id DESC')).toEqual(['id']);
  // Qualified, aliased, or ordered by another name: the numbers are sorted.
  expect(textOrderedColumns('SELECT id::text FROM outbox o ORDER BY o.id')).toEqual([]);
  expect(textOrderedColumns('SELECT id::text AS id_text FROM outbox ORDER BY id')).toEqual([]);
  expect(textOrderedColumns('SELECT row_ids::text[] AS row_ids FROM t ORDER BY row_ids')).toEqual([]);
  expect(textOrderedColumns('SELECT t.id::text FROM t ORDER BY id')).toEqual([]);
  expect(textOrderedColumns('SELECT id::text FROM t')).toEqual([]);
});
