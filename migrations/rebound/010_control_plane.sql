-- The control plane's guardrail state. Both tables are scoped by the task-queue prefix, so an
-- isolated deployment (or a test on its own prefix) has its own kill switch and budget.

-- The kill switch: one row per scope; new incidents read it when they start.
CREATE TABLE control_state (
  scope text PRIMARY KEY,
  paused boolean NOT NULL DEFAULT false,
  reason text,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- The global recovery budget: one row per claim (incident run). claim_key makes a retried claim
-- return the decision already taken instead of counting twice.
CREATE TABLE recovery_budget (
  claim_key text PRIMARY KEY,
  scope text NOT NULL,
  incident_id text NOT NULL,
  granted boolean NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recovery_budget_window_idx ON recovery_budget (scope, claimed_at) WHERE granted;
