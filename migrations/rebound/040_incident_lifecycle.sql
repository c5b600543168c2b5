-- Incident lifecycle (issue 10). Scoped by task-queue prefix like the other control-plane tables.

-- One row per episode: each time a fault comes back after its incident closed, the incident key's
-- workflow id starts a new run, and that run is a new episode with its own identity and keys.
CREATE TABLE incident_episodes (
  episode_id text PRIMARY KEY,
  scope text NOT NULL,
  incident_id text NOT NULL,
  run_id text NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  outcome text
);
CREATE INDEX incident_episodes_incident_idx ON incident_episodes (scope, incident_id, opened_at);

-- The alerts of closed episodes, and resolutions that arrived with no episode open, remembered for
-- the route's cooldown: the intake ignores a re-delivered firing that is not newer than these.
CREATE TABLE closed_alerts (
  scope text NOT NULL,
  incident_id text NOT NULL,
  fingerprint text NOT NULL,
  generation_ms bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  episode_id text,
  closed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, incident_id, fingerprint, generation_ms)
);

-- Pages are never dropped: a notification is an outbox row written with its audit entry, and it
-- stays pending until a publish succeeds (the notify activity, then the worker's relay, retry it).
CREATE TABLE notification_outbox (
  workflow_id text NOT NULL,
  key text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  PRIMARY KEY (workflow_id, key)
);
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (created_at) WHERE published_at IS NULL;
