// Durations as written in playbook parameters and files: `500ms`, `15s`, `5m`, `2h`, `7d`.
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+)(ms|s|m|h|d)$/;

export function parseDuration(text: string): number {
  const m = PATTERN.exec(text.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)} (expected e.g. 15s, 5m, 7d)`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export const durationSchema = z.string().regex(PATTERN, 'duration such as 15s, 5m, 7d');
