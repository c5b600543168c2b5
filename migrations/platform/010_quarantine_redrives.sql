-- Ledger of quarantined messages republished to their original topic ("fix and replay"). A redrive
-- key (redrive workflow id + quarantine offset) is produced at most once per successful attempt;
-- the rare double produce after a crash between produce and insert is absorbed by the consumer's
-- eventId dedup (processed_events).
CREATE TABLE quarantine_redrives (
  redrive_key text PRIMARY KEY,
  topic text NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL,
  target_partition integer NOT NULL,
  target_offset bigint NOT NULL,
  replaced_value boolean NOT NULL DEFAULT false,
  redriven_by text NOT NULL,
  redriven_at timestamptz NOT NULL DEFAULT now()
);
