-- The relay's "about to send" record becomes one row per batch instead of an update of every
-- outbox row in it (022's per-row columns stay readable for rows an older relay attempted).
-- A record names the batch's outbox rows and, for each (topic, partition) it produces to, that
-- partition's end offset taken before producing. It is committed before producing and deleted in
-- the same statement that marks the rows published; a record that outlives its relay (a crash
-- between producing and marking) tells the next relay where to look for those rows on the topic
-- before it sends any of them again.
CREATE TABLE outbox_relay_intents (
  id bigserial PRIMARY KEY,
  row_ids bigint[] NOT NULL,
  topics text[] NOT NULL,
  partitions integer[] NOT NULL,
  from_offsets bigint[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Each outbox row is now updated once (its published mark), and that update changes the partial
-- index's predicate column, so it can never be HOT: the free space 023 kept on every page for HOT
-- intent updates buys nothing any more. Applies to pages written from now on.
ALTER TABLE outbox SET (fillfactor = 100);
