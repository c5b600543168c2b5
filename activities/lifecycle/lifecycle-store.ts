// Rebound's records of the incident lifecycle (issue 10): episodes and the alerts of closed
// episodes. The incident workflow writes them through activities (createLifecycleActivities);
// the API intake reads the closed alerts to answer `ignored` for a re-delivered firing, and records
// a resolution that found no episode open. Every write is idempotent (primary keys, upserts).
import { type Pool } from 'pg';
import { type ClosedAlert } from '../../shared/lifecycle/closed-memory';

export interface EpisodeOpened {
  /** 1-based position of this episode among the incident's episodes. */
  ordinal: number;
  /** Episodes of this incident opened within the recurrence window, this one included. */
  recent: number;
}

/** Records an episode (idempotent per episode id) and counts the incident's recent episodes. */
export async function recordEpisodeOpened(
  pool: Pool,
  e: { scope: string; incidentId: string; runId: string; episodeId: string; windowMs: number },
): Promise<EpisodeOpened> {
  await pool.query(
    `INSERT INTO incident_episodes (episode_id, scope, incident_id, run_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (episode_id) DO NOTHING`,
    [e.episodeId, e.scope, e.incidentId, e.runId],
  );
  const res = await pool.query<{ ordinal: string; recent: string }>(
    `SELECT count(*) FILTER (WHERE o.opened_at <= me.opened_at) AS ordinal,
            count(*) FILTER (WHERE o.opened_at > me.opened_at - make_interval(secs => $3::double precision / 1000)
                               AND o.opened_at <= me.opened_at) AS recent
     FROM incident_episodes me JOIN incident_episodes o ON o.scope = me.scope AND o.incident_id = me.incident_id
     WHERE me.episode_id = $1 AND me.scope = $2`,
    [e.episodeId, e.scope, e.windowMs],
  );
  return { ordinal: Number(res.rows[0].ordinal), recent: Number(res.rows[0].recent) };
}

/** Marks the episode closed and remembers its alerts (idempotent). */
export async function recordEpisodeClosed(
  pool: Pool,
  e: {
    scope: string;
    incidentId: string;
    episodeId: string;
    outcome: string;
    alerts: { fingerprint: string; generation: number; status: 'firing' | 'resolved' }[];
  },
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `UPDATE incident_episodes SET closed_at = coalesce(closed_at, now()), outcome = $2 WHERE episode_id = $1`,
      [e.episodeId, e.outcome],
    );
    for (const a of e.alerts) await upsertClosedAlert(client, e.scope, e.incidentId, a, e.episodeId);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function upsertClosedAlert(
  db: Pick<Pool, 'query'>,
  scope: string,
  incidentId: string,
  a: { fingerprint: string; generation: number; status: 'firing' | 'resolved' },
  episodeId: string | null,
): Promise<void> {
  // A resolution is final for its generation: a later firing copy never overwrites it.
  await db.query(
    `INSERT INTO closed_alerts (scope, incident_id, fingerprint, generation_ms, status, episode_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (scope, incident_id, fingerprint, generation_ms) DO UPDATE
       SET closed_at = now(),
           status = CASE WHEN closed_alerts.status = 'resolved' THEN 'resolved' ELSE EXCLUDED.status END,
           episode_id = coalesce(EXCLUDED.episode_id, closed_alerts.episode_id)`,
    [scope, incidentId, a.fingerprint, a.generation, a.status, episodeId],
  );
}

/** Remembers a resolution that found no open episode (its late firing copy is then ignored). */
export function recordOrphanResolution(
  pool: Pool,
  scope: string,
  incidentId: string,
  a: { fingerprint: string; generation: number },
): Promise<void> {
  return upsertClosedAlert(pool, scope, incidentId, { ...a, status: 'resolved' }, null);
}

/**
 * The remembered alerts for these (incident id, fingerprint) pairs closed within `maxAgeMs`
 * (the longest cooldown of any route), grouped by `<incidentId>\n<fingerprint>`.
 */
export async function rememberedAlerts(
  pool: Pool,
  scope: string,
  pairs: { incidentId: string; fingerprint: string }[],
  maxAgeMs: number,
): Promise<Map<string, ClosedAlert[]>> {
  const out = new Map<string, ClosedAlert[]>();
  if (pairs.length === 0) return out;
  const res = await pool.query<{
    incident_id: string;
    fingerprint: string;
    generation_ms: string;
    status: 'firing' | 'resolved';
    episode_id: string | null;
    closed_ms: string;
  }>(
    `SELECT c.incident_id, c.fingerprint, c.generation_ms, c.status, c.episode_id,
            (extract(epoch FROM c.closed_at) * 1000)::bigint AS closed_ms
     FROM closed_alerts c
     JOIN unnest($2::text[], $3::text[]) AS p(incident_id, fingerprint)
       ON c.incident_id = p.incident_id AND c.fingerprint = p.fingerprint
     WHERE c.scope = $1 AND c.closed_at > now() - make_interval(secs => $4::double precision / 1000)`,
    [scope, pairs.map((p) => p.incidentId), pairs.map((p) => p.fingerprint), maxAgeMs],
  );
  for (const r of res.rows) {
    const key = `${r.incident_id}\n${r.fingerprint}`;
    const list = out.get(key) ?? [];
    list.push({
      fingerprint: r.fingerprint,
      generation: Number(r.generation_ms),
      status: r.status,
      closedAt: Number(r.closed_ms),
      episodeId: r.episode_id ?? undefined,
    });
    out.set(key, list);
  }
  return out;
}

/** The episode ids recorded for these run ids (list views show them). */
export async function episodesByRunId(pool: Pool, runIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (runIds.length === 0) return out;
  const res = await pool.query<{ run_id: string; ordinal: string }>(
    `SELECT e.run_id, (SELECT count(*) FROM incident_episodes o
                        WHERE o.scope = e.scope AND o.incident_id = e.incident_id AND o.opened_at <= e.opened_at) AS ordinal
     FROM incident_episodes e WHERE e.run_id = ANY($1::text[])`,
    [runIds],
  );
  for (const r of res.rows) out.set(r.run_id, Number(r.ordinal));
  return out;
}
