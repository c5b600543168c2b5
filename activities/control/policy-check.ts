// The worker's check of a workflow's input against the admin's policy file (issue 9, F1): the
// same file the API resolves triggers against (REBOUND_POLICY_FILE, and the routing file
// REBOUND_ROUTING_FILE), so a workflow started directly with a raw Temporal client is held to the
// same rules as one started through the API. Called by every playbook and the incident workflow
// before their first step; a loosened setting is a non-retryable ApplicationFailure whose type is
// PolicyViolation or ResourceMismatch and whose details name the setting.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { type IncidentInput } from '../../shared/incident';
import {
  enforceIncidentInput,
  enforcePlaybookInput,
  type EffectiveIncidentSettings,
  type EffectivePlaybookSettings,
  type PlaybookInputToCheck,
} from '../../shared/policy/enforce-input';
import { defaultPolicyFile, loadPolicy } from '../../shared/policy/load-policy';
import { PolicyError } from '../../shared/policy/safety-policy';
import { REPO_ROOT } from '../../shared/paths';
import { RoutingTable } from '../../shared/routing/routing-table';

export interface PolicyCheckFiles {
  policyFile?: string;
  routingFile?: string;
}

/** The refusal a workflow receives: `details[0]` is `{setting, requested?, policy?}`. */
function refusal(err: unknown): Promise<never> {
  if (err instanceof PolicyError) {
    return Promise.reject(
      ApplicationFailure.create({
        type: err.type,
        message: err.message,
        nonRetryable: true,
        details: [err.details],
      }),
    );
  }
  return Promise.reject(err instanceof Error ? err : new Error(String(err)));
}

/**
 * Builds the policy-check activities. The files are read when created (a missing or invalid file
 * stops the worker at start, as it stops the API) and again when they change, so an admin's edit
 * applies to the next workflow without a restart; an edit that breaks a file makes checks fail
 * as transient errors (retried) instead of letting inputs through unchecked.
 */
export function createPolicyCheckActivities(
  files: PolicyCheckFiles = {},
  env: NodeJS.ProcessEnv = process.env,
) {
  const policyFile = files.policyFile ?? defaultPolicyFile(env);
  const routingFile = files.routingFile ?? env.REBOUND_ROUTING_FILE ?? join(REPO_ROOT, 'config/routing.yaml');
  // Parsed again only when either file changed (modification time and size), so an admin's edit
  // applies to the next check without the cost of parsing both files on every workflow start.
  let cached: { stamp: string; table: RoutingTable } | undefined;
  const stampOf = () =>
    [policyFile, routingFile]
      .map((f) => {
        const st = statSync(f, { throwIfNoEntry: false });
        return st ? `${st.mtimeMs}:${st.size}` : 'missing';
      })
      .join('|');
  const load = (): RoutingTable => {
    const stamp = stampOf();
    if (cached?.stamp !== stamp)
      cached = { stamp, table: RoutingTable.load(routingFile, loadPolicy(policyFile)) };
    return cached.table;
  };
  load();
  return {
    /** A playbook workflow's input, held to the policy; returns the effective settings. */
    checkPlaybookInput(input: PlaybookInputToCheck): Promise<EffectivePlaybookSettings> {
      try {
        return Promise.resolve(enforcePlaybookInput(load().policy, input));
      } catch (err) {
        return refusal(err);
      }
    },
    /** An incident workflow's input, held to the routing file and the policy. */
    checkIncidentInput(input: IncidentInput): Promise<EffectiveIncidentSettings> {
      try {
        return Promise.resolve(enforceIncidentInput(load(), input));
      } catch (err) {
        return refusal(err);
      }
    },
  };
}

export type PolicyCheckActivities = ReturnType<typeof createPolicyCheckActivities>;
