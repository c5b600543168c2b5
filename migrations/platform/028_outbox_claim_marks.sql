-- The relay's claim also marks the batches the broker acknowledged since the caller's last claim.
-- A relay that drains a backlog used to send two statements per batch (this claim, and the mark on
-- a second connection); on the machine the project is measured on, each statement's send and parse
-- cost the relay's single JavaScript thread about as much as the database work itself, and that
-- thread, which also encodes the Kafka batches, is what bounds the relay's rate. Now one statement
-- per batch does both, in this order, in one transaction:
--   1. mark: the acknowledged rows (mark_ids) published and out of the queue, and the intent records
--      of those batches (mark_intent_ids) deleted: exactly what the relay's separate mark did, so a
--      record still never outlives its marks, nor do marks exist without their record committed
--      before the send;
--   2. release the advisory locks of those batches (unlock_ids; only after their mark);
--   3. claim the next batch as in 026.
-- If the statement fails, the marks roll back (the unlocks do not: session locks are not
-- transactional); the rows are then unpublished, unlocked and named by their intent record, which
-- is the state after a crash between the send and the mark, and the next relay finds them on the
-- topic before sending anything. The caller retries the marks once more before giving up.
DROP FUNCTION outbox_relay_claim(bigint, integer, integer, bigint[], text[], integer[], bigint[]);
CREATE FUNCTION outbox_relay_claim(
  after_id bigint, max_rows integer, lock_class integer, unlock_ids bigint[],
  mark_ids bigint[], mark_intent_ids bigint[],
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
  IF cardinality(mark_intent_ids) > 0 THEN
    DELETE FROM outbox_relay_intents b WHERE b.id = ANY(mark_intent_ids);
  END IF;
  IF cardinality(mark_ids) > 0 THEN
    DELETE FROM outbox_pending p WHERE p.id = ANY(mark_ids);
    -- A batch is a run of consecutive ids (save for rows held back): a range scan of the key.
    UPDATE outbox o SET published_at = now(), last_error = NULL, attempts = o.attempts + 1
     WHERE o.id BETWEEN (SELECT min(x) FROM unnest(mark_ids) AS x) AND (SELECT max(x) FROM unnest(mark_ids) AS x)
       AND o.id = ANY(mark_ids);
  END IF;
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
