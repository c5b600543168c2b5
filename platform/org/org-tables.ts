// Every platform table that belongs to an org has an `org_id` column (DESIGN.md). The orphan
// check and the snapshots discover them from the catalogue, so a table a service adds later is
// covered without touching this code.
import { type Pool, type PoolClient } from 'pg';

export async function listOrgOwnedTables(db: Pool | PoolClient): Promise<string[]> {
  const r = await db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND c.column_name = 'org_id' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name`,
  );
  return r.rows.map((row) => row.table_name);
}
