-- The claim's check for earlier intent records, through indexes. 031 compared each record's id
-- bounds before its ids, but still read every record of outbox_relay_intents on every claim (a
-- sequential scan: no index covered its test, `low_id IS NULL OR (low_id <= hi AND high_id >=
-- lo)`). That table is small in rows but not in pages: every batch inserts a record of about 4 KB
-- and deletes it a moment later, so it grows by a page or two per batch until autovacuum runs, and
-- never shrinks back while any late page is in use. Measured in PostgreSQL 15, a claim loop over
-- 100,000 rows in batches of 500 (the relay's statements without Kafka): 1.22-1.93 CPU-s of the
-- server, growing run after run with the table's pages, against 0.83-1.29 CPU-s with the indexes.
--
-- One index for each side of the test's OR: the upper bound (the records of a relay's own batches
-- in flight all end below the next claim's lowest id, so normally none is read), and the records
-- without bounds (none in practice: only an empty array has none).
CREATE INDEX outbox_relay_intents_high_id ON outbox_relay_intents (high_id);
CREATE INDEX outbox_relay_intents_unbounded ON outbox_relay_intents (id) WHERE low_id IS NULL;

-- Right after a VACUUM the table has no pages and the planner would read it whole, and the claim's
-- cached plan stays while the table grows during a run. Every other statement of the claim reads by
-- key already, so the claim is planned never to read a table whole.
ALTER FUNCTION outbox_relay_claim(bigint, integer, integer, bigint[], bigint[], bigint[], text[], integer[], bigint[])
  SET enable_seqscan = off;
