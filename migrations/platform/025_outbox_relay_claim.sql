-- One round trip to claim the relay's next batch, instead of three (select, lock, re-read):
-- the next unpublished ids after a cursor, a session advisory lock tried on each (class as in
-- platform/outbox/relay.ts LOCK_CLASS), then the rows read again. The function is VOLATILE, so
-- under READ COMMITTED that last read takes a fresh snapshot after the locks were taken: a row
-- another relay marked published and unlocked in between is seen published, never sent twice.
-- has_intents says whether any intent record of an earlier attempt names one of the rows.
CREATE FUNCTION outbox_relay_claim(after_id bigint, max_rows integer, lock_class integer)
RETURNS TABLE (
  id bigint, idempotency_key text, topic text, message_key text, event_type text, payload text,
  published_at timestamptz, relay_partition integer, relay_from_offset bigint, locked boolean,
  has_intents boolean
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  ids bigint[];
  got bigint[];
  intents boolean;
BEGIN
  SELECT array_agg(s.id ORDER BY s.id) INTO ids
    FROM (SELECT o.id FROM outbox o WHERE o.published_at IS NULL AND o.id > after_id
           ORDER BY o.id LIMIT max_rows) s;
  IF ids IS NULL THEN
    RETURN;
  END IF;
  SELECT coalesce(array_agg(x), '{}') INTO got
    FROM unnest(ids) AS x WHERE pg_try_advisory_lock(lock_class, (x % 2147483647)::int);
  SELECT EXISTS (SELECT 1 FROM outbox_relay_intents b WHERE b.row_ids && got) INTO intents;
  RETURN QUERY
    SELECT o.id, o.idempotency_key, o.topic, o.message_key, o.event_type, o.payload::text,
           o.published_at, o.relay_partition, o.relay_from_offset, o.id = ANY(got), intents
      FROM outbox o WHERE o.id = ANY(ids) ORDER BY o.id;
END $$;
