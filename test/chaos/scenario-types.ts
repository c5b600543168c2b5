// The shape of a chaos scenario (test/chaos/scenarios.ts lists them): what a playbook needs
// prepared in the real stores, how it is started, and its invariant counted in those stores.
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { type ApprovalPolicy } from '../../shared/playbook';

export interface ChaosStores {
  pool: Pool;
  redis: Redis;
  kafka: Kafka;
}

export interface InvariantCheck {
  ok: boolean;
  lost: number;
  doubled: number;
  detail: string;
}

export interface PreparedRun {
  resource: string;
  params: Record<string, unknown>;
  /**
   * The approval policy of the run's context. When it requires approvals, the harness approves
   * every gate the run opens the way an approver does through the API (a signed decision sent
   * with the `approve` update), again after a crash until the gate closes.
   */
  approvalPolicy?: ApprovalPolicy;
  /** How long the approver takes to decide once a gate opens (reading the question), ms. */
  approveAfterMs?: number;
  /** Extra environment of the run's worker processes (a datasets file, fault injection). */
  workerEnv?: NodeJS.ProcessEnv;
  /** The invariant, counted in the real stores once the run has finished. */
  check: (workflowId: string) => Promise<InvariantCheck>;
  cleanup: () => Promise<void>;
}

export interface ChaosScenario {
  playbook: string;
  /** What the invariant is, in words (printed with the table). */
  invariant: string;
  /**
   * Stores none of the playbook's steps talks to, each with the reason. Their outage cells are
   * reported as not applicable instead of run: a run never meets an outage of a store it does not
   * use, so such a case can only end "not exercised".
   */
  untouched?: Partial<Record<'postgres' | 'redis' | 'kafka', string>>;
  prepare: (stores: ChaosStores) => Promise<PreparedRun>;
}
