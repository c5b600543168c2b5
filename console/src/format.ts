// Times and durations as the console shows them: UTC (on-call rotations span time zones, and the
// API, the audit trail and the report all speak UTC) and compact durations.

/** `2026-11-29 14:27:09Z`; an empty string for a missing or invalid time. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** `850ms`, `42s`, `3m 05s`, `2h 07m`, `3d 04h` for a duration in milliseconds. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

/** From `start` to `end` (or to `now` while open), in milliseconds. */
export function elapsedMs(start: string, end: string | undefined, now: number): number {
  return (end ? Date.parse(end) : now) - Date.parse(start);
}
