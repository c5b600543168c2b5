-- One region of the reference platform's multi-region dataset `accounts` (seed 001 scenario 6,
-- seed 003 "network partition"). Every region holds the same replicated table and accepted
-- writes on its own while partitioned. Rows carry the key, the value (JSON), a hybrid logical
-- clock timestamp (physical milliseconds << 16 | logical counter), the region that wrote the row
-- and a tombstone flag (deletes are tombstones so they can be merged like any other write).
CREATE TABLE accounts (
  key bigint PRIMARY KEY,
  value jsonb NOT NULL DEFAULT '{}'::jsonb,
  hlc bigint NOT NULL,
  origin text NOT NULL,
  tombstone boolean NOT NULL DEFAULT false
);

-- Replication state per replicated table: the HLC up to which this region has received the other
-- region's writes (rows newer than the lower watermark changed during the partition), and the
-- mode. In `partition-recovery` mode every application write is logged so a merge in progress
-- re-merges it instead of losing it.
CREATE TABLE replication_state (
  table_name text PRIMARY KEY,
  mode text NOT NULL DEFAULT 'normal' CHECK (mode IN ('normal', 'partition-recovery')),
  merge_id text,
  replicated_through_hlc bigint NOT NULL DEFAULT 0,
  entered_at timestamptz
);

CREATE TABLE merge_write_log (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  merge_id text NOT NULL,
  key bigint NOT NULL,
  hlc bigint,
  operation text NOT NULL,
  logged_at timestamptz NOT NULL DEFAULT now(),
  processed boolean NOT NULL DEFAULT false
);
CREATE INDEX merge_write_log_pending_idx ON merge_write_log (merge_id, id) WHERE NOT processed;

-- The merge's own writes (and the generator's bulk loads) set rebound.merge_apply = 'on' for
-- their transaction and are not logged: only the application's writes during a merge are.
CREATE FUNCTION log_write_during_merge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  st replication_state%ROWTYPE;
  k bigint;
BEGIN
  IF current_setting('rebound.merge_apply', true) = 'on' THEN
    RETURN NULL;
  END IF;
  SELECT * INTO st FROM replication_state WHERE table_name = TG_TABLE_NAME;
  IF NOT FOUND OR st.mode <> 'partition-recovery' THEN
    RETURN NULL;
  END IF;
  k := CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END;
  INSERT INTO merge_write_log (table_name, merge_id, key, hlc, operation)
  VALUES (TG_TABLE_NAME, st.merge_id, k, CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.hlc END, TG_OP);
  RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_log_write_during_merge
  AFTER INSERT OR UPDATE OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION log_write_during_merge();
