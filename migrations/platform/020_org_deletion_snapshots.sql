-- What the org deletion saga takes away before its point of no return, kept so that its
-- compensations restore exactly what was there (rows, statuses, timestamps). One row per
-- (workflow, step): written in the same transaction as the step's effect, which makes a retried
-- step a no-op. The rows belong to the org (org_id) and are purged with it.
CREATE TABLE org_deletion_snapshots (
  workflow_id text NOT NULL,
  step text NOT NULL,
  org_id uuid NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, step)
);
CREATE INDEX org_deletion_snapshots_org_idx ON org_deletion_snapshots (org_id);
