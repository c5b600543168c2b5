// The incident workflow's lifecycle activities (control queue): open and close an episode.
// Idempotent per episode id, so a retried or replayed call never counts an episode twice.
import { type Pool } from 'pg';
import { recordEpisodeClosed, recordEpisodeOpened } from './lifecycle-store';

export function createLifecycleActivities(deps: { statePool: Pool }) {
  return {
    openEpisode: (e: Parameters<typeof recordEpisodeOpened>[1]) => recordEpisodeOpened(deps.statePool, e),
    closeEpisode: (e: Parameters<typeof recordEpisodeClosed>[1]) => recordEpisodeClosed(deps.statePool, e),
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
