-- partition-merge bookkeeping in Rebound's own database.

-- The merge plan: one row per key that differs between the regions, with both sides as they were
-- read, the merged row and its status. Apply batches read it in key order; a retried or resumed
-- apply re-reads it instead of recomputing (idempotent batches).
CREATE TABLE partition_merge_plan (
  merge_id text NOT NULL,
  dataset text NOT NULL,
  key bigint NOT NULL,
  region_a jsonb,
  region_b jsonb,
  merged jsonb,
  rule text NOT NULL,
  conflict boolean NOT NULL,
  manual_fields text[] NOT NULL DEFAULT '{}',
  -- planned: merged is set and not yet applied; held: needs a human decision; applied.
  status text NOT NULL CHECK (status IN ('planned', 'held', 'applied')),
  resolution text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merge_id, key)
);
CREATE INDEX partition_merge_plan_status_idx ON partition_merge_plan (merge_id, status, key);

-- Every true conflict (both regions changed the key since the partition began) and how it was
-- resolved, kept after the merge for the incident report and audits.
CREATE TABLE partition_merge_conflicts (
  merge_id text NOT NULL,
  dataset text NOT NULL,
  key bigint NOT NULL,
  rule text NOT NULL,
  manual_fields text[] NOT NULL DEFAULT '{}',
  region_a jsonb,
  region_b jsonb,
  merged jsonb,
  resolution text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merge_id, key)
);
