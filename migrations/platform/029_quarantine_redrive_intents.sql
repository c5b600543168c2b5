-- The intent of a redrive, committed before its message is produced (issue 14's chaos matrix: a
-- worker killed between producing a redriven message and writing its quarantine_redrives row made
-- the retry produce a second copy). `from_offset` is the target partition's end offset before the
-- produce: a retry that finds the intent reads the partition from there for a record carrying the
-- redrive key's header, and records that one instead of producing again. The ledger row replaces
-- the intent in one statement.
CREATE TABLE IF NOT EXISTS quarantine_redrive_intents (
  redrive_key text PRIMARY KEY,
  topic text NOT NULL,
  target_partition integer NOT NULL,
  from_offset bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
