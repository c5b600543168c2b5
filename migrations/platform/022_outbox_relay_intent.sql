-- The outbox relay records where it is about to produce (partition, and the partition's end
-- offset just before producing) and commits that before producing. If it crashes between
-- producing and marking the row published, the next attempt scans the partition from that offset
-- for the row's idempotency key instead of producing the event a second time.
ALTER TABLE outbox
  ADD COLUMN relay_partition integer,
  ADD COLUMN relay_from_offset bigint;
