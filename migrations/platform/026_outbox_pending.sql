-- Which outbox rows are still to publish: the ids in a narrow queue table instead of the partial
-- index on published_at. In PostgreSQL 15 a column any index names (its predicate included) cannot
-- change in a HOT update, so the relay's published mark of every row wrote new entries into the
-- primary-key and idempotency-key indexes: ~12 ms per batch of 500 rows, the relay's largest cost.
-- Without that index the mark is a HOT update on the row's own page (fillfactor 50 keeps room for
-- the new version of every row of a page, all marked by one statement) and the relay deletes the
-- ids from outbox_pending in that same statement.
--
-- Invariant: every row with published_at IS NULL has its id in outbox_pending (the insert trigger,
-- and the update trigger for a row set back to unpublished). The converse may lag: an id whose row
-- was deleted, or published by a writer other than the relay, stays until the relay's claim meets
-- it and removes it (outbox_relay_claim below). So readers of the backlog still test published_at.
CREATE TABLE outbox_pending (id bigint PRIMARY KEY);
INSERT INTO outbox_pending SELECT id FROM outbox WHERE published_at IS NULL;
DROP INDEX outbox_unpublished_idx;
ALTER TABLE outbox SET (fillfactor = 50);

-- Statement-level: one set-based insert per INSERT statement (a batch job's events in one go).
CREATE FUNCTION outbox_pending_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_pending SELECT a.id FROM added a WHERE a.published_at IS NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_pending_on_insert AFTER INSERT ON outbox
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION outbox_pending_add();

-- A row set back to unpublished (by hand, to publish it again) is queued again. The WHEN clause
-- is evaluated without calling the function, so the relay's marks pay next to nothing for it.
CREATE FUNCTION outbox_pending_requeue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_pending VALUES (NEW.id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_pending_on_unpublish AFTER UPDATE OF published_at ON outbox
  FOR EACH ROW WHEN (OLD.published_at IS NOT NULL AND NEW.published_at IS NULL)
  EXECUTE FUNCTION outbox_pending_requeue();

-- The claim of 025, reading the queue instead of the partial index, and doing in its one round
-- trip what used to take three: it first releases the advisory locks of batches the caller has
-- finished (unlock_ids); then takes the next queued ids after a cursor, tries a session advisory
-- lock on each, and reads the rows again (VOLATILE: a fresh snapshot after the locks were taken,
-- see 025) by a range scan of the primary key between the first and the last id; and, when no
-- earlier attempt's record names a locked row and the caller passed start offsets (intent_*: for
-- every partition of the topics it knows), commits this batch's intent record naming every locked
-- id (returned as intent_id; the caller records the rows those starts do not cover separately).
-- Queued ids whose row is gone (see the invariant above) leave the queue here and come back after
-- the rows, with a NULL idempotency_key, so the caller's cursor moves past them; a queued row found
-- published comes back as such (the caller dequeues it).
DROP FUNCTION outbox_relay_claim(bigint, integer, integer);
CREATE FUNCTION outbox_relay_claim(
  after_id bigint, max_rows integer, lock_class integer, unlock_ids bigint[],
  intent_topics text[], intent_partitions integer[], intent_from bigint[]
)
RETURNS TABLE (
  id bigint, idempotency_key text, topic text, message_key text, event_type text, payload text,
  published_at timestamptz, relay_partition integer, relay_from_offset bigint, locked boolean,
  has_intents boolean, intent_id bigint
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  ids bigint[];
  got bigint[];
  intents boolean;
  recorded bigint;
  found_rows integer;
BEGIN
  IF cardinality(unlock_ids) > 0 THEN
    PERFORM pg_advisory_unlock(lock_class, (x % 2147483647)::int) FROM unnest(unlock_ids) AS x;
  END IF;
  SELECT array_agg(q.id ORDER BY q.id) INTO ids
    FROM (SELECT p.id FROM outbox_pending p WHERE p.id > after_id ORDER BY p.id LIMIT max_rows) q;
  IF ids IS NULL THEN
    RETURN;
  END IF;
  SELECT coalesce(array_agg(x), '{}') INTO got
    FROM unnest(ids) AS x WHERE pg_try_advisory_lock(lock_class, (x % 2147483647)::int);
  SELECT EXISTS (SELECT 1 FROM outbox_relay_intents b WHERE b.row_ids && got) INTO intents;
  IF NOT intents AND cardinality(got) > 0 AND cardinality(intent_topics) > 0 THEN
    INSERT INTO outbox_relay_intents (row_ids, topics, partitions, from_offsets)
      VALUES (got, intent_topics, intent_partitions, intent_from)
      RETURNING outbox_relay_intents.id INTO recorded;
  END IF;
  RETURN QUERY
    SELECT o.id, o.idempotency_key, o.topic, o.message_key, o.event_type, o.payload::text,
           o.published_at, o.relay_partition, o.relay_from_offset, o.id = ANY(got), intents, recorded
      FROM outbox o
     WHERE o.id BETWEEN ids[1] AND ids[cardinality(ids)] AND o.id = ANY(ids)
     ORDER BY o.id;
  GET DIAGNOSTICS found_rows = ROW_COUNT;
  IF found_rows < cardinality(ids) THEN
    RETURN QUERY
      WITH gone AS (
        DELETE FROM outbox_pending p
         WHERE p.id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = p.id)
        RETURNING p.id)
      SELECT g.id, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::timestamptz,
             NULL::integer, NULL::bigint, g.id = ANY(got), intents, recorded
        FROM gone g;
  END IF;
END $$;
