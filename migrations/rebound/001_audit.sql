-- Rebound's own append-only audit trail: every mutating step, approval, compensation and
-- guardrail decision. (workflow_id, entry_key) makes a retried or replayed write a no-op.
CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  workflow_id text NOT NULL,
  run_id text,
  entry_key text NOT NULL,
  kind text NOT NULL,
  actor text NOT NULL,
  resource text,
  detail jsonb NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workflow_id, entry_key)
);
CREATE INDEX audit_events_workflow_idx ON audit_events (workflow_id, id);

CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
