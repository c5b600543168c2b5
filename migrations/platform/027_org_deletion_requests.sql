-- A customer's request to delete their org, as the organization service records it. The request
-- is org-owned data (it has `org_id`), so the deletion saga removes it with the org: a request is
-- pending exactly while its org row exists. The exporter reports pending requests; the
-- OrgDeletionRequested alert routes them to the org-deletion saga (delete mode: grace period,
-- approval at the point of no return).
CREATE TABLE IF NOT EXISTS org_deletion_requests (
  org_id uuid PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now(),
  requested_by text NOT NULL,
  reason text NOT NULL
);
