// partition-merge: network-partition recovery (split-brain reconciliation) of a replicated
// dataset (seed 001 scenario 6; seeds 002, 003 "network partition"; seed 004 §5.2). Parameters,
// step names, and the shapes the workflow and its activities exchange. Sandbox-safe.
import { z } from 'zod';
import { durationSchema, parseDuration } from '../duration';

/** Connectivity checks one run may make: each is ~12 history events, kept well under 10,000. */
export const MAX_CONNECTIVITY_CHECKS = 500;

// A malformed duration is already reported by its field; the bounds below then pass it by.
function millis(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return Number.NaN;
  }
}

export const partitionMergeParamsSchema = z
  .object({
    dataset: z.string().regex(/^[a-z][a-z0-9-]*$/),
    /** merge: the recovery; check: the read-only compare of the scheduled consistency check. */
    mode: z.enum(['merge', 'check']).default('merge'),
    /** Keys per compared range (the unit of the range checksums and of the dry-run plan). */
    rangeSize: z.number().int().min(100).max(1_000_000).default(10_000),
    /** Keys per bucket checksum inside a range that differs; only differing buckets are read row by row. */
    bucketSize: z.number().int().min(1).max(10_000).default(16),
    /** Rows per apply batch (one transaction per region). */
    batchSize: z.number().int().min(1).max(50_000).default(5_000),
    /** Ranges one compare or verify activity call walks before it returns (heartbeating each). */
    rangesPerCall: z.number().int().min(1).max(1_000).default(25),
    /** Activity calls after which the workflow continues as new, so its history stays bounded. */
    callsPerRun: z.number().int().min(2).max(500).default(100),
    /** Connectivity: check every `checkEvery`, for at most `connectTimeout`, then escalate. */
    checkEvery: durationSchema.default('10s'),
    connectTimeout: durationSchema.default('30m'),
  })
  .strict()
  .refine((p) => millis(p.checkEvery) >= 1_000, {
    message: 'checkEvery must be at least 1s',
    path: ['checkEvery'],
  })
  .refine((p) => millis(p.connectTimeout) / millis(p.checkEvery) <= MAX_CONNECTIVITY_CHECKS, {
    message: `connectTimeout / checkEvery may not exceed ${MAX_CONNECTIVITY_CHECKS} checks (history limit)`,
    path: ['connectTimeout'],
  });
export type PartitionMergeParams = z.infer<typeof partitionMergeParamsSchema>;

export const PARTITION_MERGE_STEPS = {
  connectivity: 'check-connectivity',
  enterRecovery: 'enter-partition-recovery',
  bounds: 'key-bounds',
  compare: 'compare',
  decide: 'manual-decision',
  apply: 'apply',
  drain: 'merge-writes-during-merge',
  verify: 'verify',
  conflicts: 'record-conflicts',
  resume: 'resume-normal-mode',
} as const;

/** The choices of the one batched manual decision. */
export const MANUAL_CHOICES = ['prefer-region-a', 'prefer-region-b', 'last-writer-wins'] as const;
export type ManualChoiceName = (typeof MANUAL_CHOICES)[number];

export interface RegionReachability {
  region: string;
  reachable: boolean;
  error?: string;
}

export interface KeyRange {
  /** Inclusive lower key (decimal string: keys are bigints). */
  from: string;
  /** Exclusive upper key. */
  to: string;
}

export interface DifferingRange extends KeyRange {
  differingBuckets: number;
  differingKeys: number;
  conflicts: number;
}

export interface CompareRequest {
  dataset: string;
  mergeId: string;
  watermark: string;
  from: string;
  /** Exclusive end of the whole key space. */
  end: string;
  rangeSize: number;
  bucketSize: number;
  maxRanges: number;
}

export interface CompareTotals {
  ranges: number;
  differingRanges: number;
  rowsRead: number;
  differingKeys: number;
  conflicts: number;
  manual: number;
}

export interface CompareResult extends CompareTotals {
  /** Where the next call starts; undefined when the key space is done. */
  next?: string;
  /** The differing ranges of this call (bounded by maxRanges). */
  differing: DifferingRange[];
}

export interface ManualConflictView {
  key: string;
  fields: string[];
  /** The conflicting values, by region name. */
  values: Record<string, Record<string, unknown>>;
}

export interface PlannedResolution {
  key: string;
  rule: string;
  conflict: boolean;
  manualFields: string[];
  resolution: string;
}

export interface ApplyRequest {
  dataset: string;
  mergeId: string;
  batchSize: number;
  maxBatches: number;
}

export interface ApplyResult {
  batches: number;
  written: Record<string, number>;
  /** Rows the application changed after the merge read them: left to the write log. */
  changedSince: number;
  done: boolean;
}

export interface VerifyRequest {
  dataset: string;
  mergeId: string;
  from: string;
  end: string;
  rangeSize: number;
  maxRanges: number;
}

export interface VerifyResult {
  next?: string;
  ranges: number;
  mismatched: KeyRange[];
}

export interface DrainResult {
  rounds: number;
  keys: number;
  written: Record<string, number>;
  held: number;
}

/** The merge's durable progress, carried across continue-as-new. */
export interface PartitionMergeState {
  mergeId: string;
  stage: 'connect' | 'compare' | 'decide' | 'apply' | 'verify' | 'finish';
  watermark?: string;
  /** Key space [from, end) of the dataset at the start; undefined when both regions are empty. */
  keySpace?: KeyRange;
  cursor?: string;
  totals: CompareTotals;
  differing: DifferingRange[];
  manualChoice?: ManualChoiceName;
  manualOutcome?: 'approved' | 'rejected' | 'timed-out' | 'none';
  written: Record<string, number>;
  changedSince: number;
  mismatched: KeyRange[];
  runs: number;
  calls: number;
}
