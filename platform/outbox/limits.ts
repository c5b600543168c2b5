// Bounds of the outbox relay that callers outside it check too (the outbox-replay playbook's
// parameters). No imports: workflow code and parameter schemas may read it.

/**
 * The largest batch (rows per produce request) a pipelined relay takes. The relay holds a session
 * advisory lock per row from its claim to its published mark, for up to four batches at once: the
 * one being claimed, two prepared ahead (PREPARED_AHEAD in relay.ts) and the one being sent.
 * Measured over 10,000–30,000 rows: 2,000 locks in batches of 500, 15,000 in batches of 5,000, and
 * 4,000 in batches of 1,000 with a broker slowed so that the claims ran as far ahead as they can.
 * Advisory locks live in PostgreSQL's shared lock table, sized by max_locks_per_transaction ×
 * max_connections for the whole server: at PostgreSQL 15's defaults (64 × 100) one session could
 * take 12,000 advisory locks and was refused 15,000 ("out of shared memory"), so a replay in
 * batches of 5,000 could fail on a default server. At 1,000 the relay holds at most 4,000.
 */
export const MAX_RELAY_BATCH = 1_000;
