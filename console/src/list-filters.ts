// The incident list's filters (issue 15, item 1). Status, playbook and resource go to the API
// (GET /v1/incidents filters on them in Temporal's visibility store); outcome and time are applied
// to the rows it returns. The filters live in the page's address (#/incidents?status=running&…),
// so a filtered view can be bookmarked and shared.
import { type IncidentSummary } from './api-types.js';

export interface ListFilter {
  status: '' | 'running' | 'closed';
  playbook: string;
  resource: string;
  outcome: string;
  /** Only incidents started within this window: `1h`, `24h`, `7d`, or '' for any time. */
  since: '' | '1h' | '24h' | '7d';
}

export const EMPTY_FILTER: ListFilter = { status: '', playbook: '', resource: '', outcome: '', since: '' };

export const SINCE_MS: Record<Exclude<ListFilter['since'], ''>, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
};

/** Rows fetched per refresh: the API's page (running incidents first, then closed; each newest first). */
export const LIST_LIMIT = 200;

export function filterFromParams(p: URLSearchParams): ListFilter {
  const status = p.get('status');
  const since = p.get('since');
  return {
    status: status === 'running' || status === 'closed' ? status : '',
    playbook: p.get('playbook') ?? '',
    resource: p.get('resource') ?? '',
    outcome: p.get('outcome') ?? '',
    since: since === '1h' || since === '24h' || since === '7d' ? since : '',
  };
}

export function filterToParams(f: ListFilter): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f) as [string, string][]) if (v) p.set(k, v);
  return p;
}

/** The GET /v1/incidents query string for the filters the API applies. */
export function apiQuery(f: ListFilter): string {
  const p = new URLSearchParams({ limit: String(LIST_LIMIT) });
  if (f.status) p.set('status', f.status);
  if (f.playbook) p.set('playbook', f.playbook);
  if (f.resource.trim()) p.set('resource', f.resource.trim());
  return p.toString();
}

/** The filters the API does not apply. `outcome=none` keeps the incidents without an outcome yet. */
export function matchesLocally(row: IncidentSummary, f: ListFilter, now: number): boolean {
  if (f.outcome === 'none' ? row.outcome !== undefined : f.outcome && row.outcome !== f.outcome) return false;
  if (f.since && now - Date.parse(row.startedAt) > SINCE_MS[f.since]) return false;
  return true;
}
