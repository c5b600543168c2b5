// The worker's own check of a workflow input against the policy file (issue 9, F1). The API
// resolves every trigger against the policy, but anyone with access to Temporal can start a
// playbook or incident workflow directly with whatever input they like; the workflow therefore
// asks the worker (an activity) to hold that input to the same policy before its first step. The
// input may only be at least as strict as the policy: a looser setting is a PolicyError naming
// it, and what the workflow then uses are the effective settings returned here, never the input's.
import { parseDuration } from '../duration';
import { ErrorTypes } from '../errors';
import { type BudgetPolicy, type IncidentInput, type RecurrencePolicy } from '../incident';
import { type ApprovalPolicy } from '../playbook';
import { playbookDefinition } from '../playbooks';
import { resourceFromLabel } from '../resource';
import { type RoutingTable } from '../routing/routing-table';
import { PolicyError, type SafetyPolicy } from './safety-policy';

/** What a playbook workflow received (its PlaybookInput, flattened). */
export interface PlaybookInputToCheck {
  playbook: string;
  resource: string;
  params: Record<string, unknown>;
  /** Absent when the starter left it out: the policy's own settings apply. */
  approvalPolicy?: Partial<ApprovalPolicy>;
}

/** The settings a playbook workflow runs with: the input's where they are at least as strict. */
export interface EffectivePlaybookSettings {
  params: Record<string, unknown>;
  approvalPolicy: ApprovalPolicy;
  policyVersion: string;
}

const SOURCE = 'the workflow input';

const loosened = (setting: string, message: string, requested?: unknown, policy?: unknown) =>
  new PolicyError(ErrorTypes.PolicyViolation, `${setting}: ${message}`, { setting, requested, policy });

// A digest-shortened resource (shared/resource.ts) stands for the full id its parameter carries:
// the check then compares the parameter with the full resource, as routing did.
function fullResource(resource: string, params: Record<string, unknown>, param?: string): string {
  const sep = resource.indexOf(':');
  const value = param ? params[param] : undefined;
  if (sep < 0 || typeof value !== 'string' || !resource.includes('~')) return resource;
  const shaped = resourceFromLabel(resource.slice(0, sep), value);
  return shaped?.full !== undefined && shaped.resource === resource ? shaped.full : resource;
}

/**
 * Holds a playbook workflow's input to the policy: the resource must be of the playbook's kind and
 * determine its parameter, every safety setting in `params` may only tighten the policy's, and the
 * approval policy may only be stricter than the policy file's for that playbook (more approvers, a
 * shorter window, fewer roles/principals, never waived where required). Returns the effective
 * settings. Throws PolicyError (PolicyViolation / ResourceMismatch, `details.setting` names what
 * was refused) or Error for an unknown playbook or parameters its schema refuses.
 */
export function enforcePlaybookInput(
  policy: SafetyPolicy,
  input: PlaybookInputToCheck,
): EffectivePlaybookSettings {
  const def = playbookDefinition(input.playbook);
  if (!def) {
    throw new PolicyError(ErrorTypes.ResourceMismatch, `playbook ${input.playbook} is not in the catalogue`, {
      setting: 'playbook',
      requested: input.playbook,
    });
  }
  const params = input.params ?? {};
  const resolved = policy.resolve({
    def,
    resource: fullResource(input.resource, params, def.resourceParam),
    params,
    source: SOURCE,
  });
  const parsed = def.paramsSchema.safeParse(resolved.params);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PolicyError(ErrorTypes.PolicyViolation, `params: invalid parameters for ${def.name}: ${why}`, {
      setting: 'params',
    });
  }
  return {
    params: parsed.data as Record<string, unknown>,
    approvalPolicy: stricterApproval(policy, policy.approvalFor(def.name), input.approvalPolicy),
    policyVersion: policy.version,
  };
}

// The input's approval policy, refused where it is looser than `floor` (tightenApproval names the
// setting). Fields the input leaves out keep the floor's value.
function stricterApproval(
  policy: SafetyPolicy,
  floor: ApprovalPolicy,
  given: Partial<ApprovalPolicy> | undefined,
): ApprovalPolicy {
  if (!given) return floor;
  if (given.timeout !== undefined && typeof given.timeout !== 'string')
    throw loosened('approval.timeout', 'must be a duration', given.timeout, floor.timeout);
  return policy.tightenApproval(floor, given, SOURCE);
}

/** The incident-level settings the incident workflow runs with. */
export interface EffectiveIncidentSettings {
  /** Present when the route starts a playbook: the route's checked settings. */
  playbook?: EffectivePlaybookSettings & { workflowType: string };
  /** The route's approval policy (guardrail gates), at least the routing file's. */
  approvalPolicy: ApprovalPolicy;
  /** `security` when the routing file (or the input) classifies the incident so. */
  category: IncidentInput['route']['classification']['category'];
  budget: BudgetPolicy;
  maxRuns: number;
  recurrence: RecurrencePolicy;
}

/**
 * Holds an incident workflow's input to the routing file and the policy: the workflow type must be
 * the catalogue's for the route's playbook, the route's rule (when the routing file has it) must
 * route to that playbook and its classification decides a `security` category, the approval policy
 * may only be stricter than the rule's, the recovery budget may only be smaller (or its window
 * longer), the runs per incident fewer and the recurrence rule stricter. Throws PolicyError.
 */
export function enforceIncidentInput(routing: RoutingTable, input: IncidentInput): EffectiveIncidentSettings {
  const { route } = input;
  const rule = route.rule ? routing.file.routes.find((r) => r.name === route.rule) : undefined;
  if (rule && route.playbook !== undefined && rule.playbook !== route.playbook) {
    throw loosened(
      'route.playbook',
      `rule ${rule.name} routes to ${rule.playbook}`,
      route.playbook,
      rule.playbook,
    );
  }
  const labels = input.alert?.labels ?? {};
  const category =
    route.classification?.category === 'security'
      ? 'security'
      : routing.classify(rule ?? routing.ruleForPlaybook(route.playbook ?? ''), labels).category ===
          'security'
        ? 'security'
        : (route.classification?.category ?? 'transient');
  const floor = routing.policyFor(rule ?? routing.ruleForPlaybook(route.playbook ?? ''), category);
  const approvalPolicy = stricterApproval(routing.policy, floor, route.approvalPolicy);

  let playbook: EffectiveIncidentSettings['playbook'];
  if (route.workflowType !== undefined) {
    const def = route.playbook ? playbookDefinition(route.playbook) : undefined;
    if (!def || def.workflowType !== route.workflowType) {
      throw loosened(
        'route.workflowType',
        `${route.workflowType} is not the workflow of playbook ${String(route.playbook)}`,
        route.workflowType,
        def?.workflowType,
      );
    }
    if (route.resource === undefined)
      throw new PolicyError(ErrorTypes.ResourceMismatch, 'resource: a recovery needs a resource', {
        setting: 'resource',
      });
    playbook = {
      ...enforcePlaybookInput(routing.policy, {
        playbook: def.name,
        resource: route.resourceFull ?? route.resource,
        params: route.params,
        approvalPolicy: route.approvalPolicy,
      }),
      // The child's gates use the incident's approval policy (the rule's floor, not only the playbook's).
      approvalPolicy,
      workflowType: def.workflowType,
    };
  }

  const budget = routing.budget;
  const givenBudget = input.budget ?? budget;
  if (typeof givenBudget.max !== 'number' || givenBudget.max > budget.max)
    throw loosened(
      'budget.max',
      `may not exceed the routing file's ${budget.max}`,
      givenBudget.max,
      budget.max,
    );
  if (durationMs(givenBudget.window, 'budget.window') < parseDuration(budget.window))
    throw loosened(
      'budget.window',
      `may not be shorter than ${budget.window}`,
      givenBudget.window,
      budget.window,
    );
  const maxRunsAllowed = routing.file.guardrails.maxRunsPerIncident;
  const maxRuns = input.maxRuns ?? maxRunsAllowed;
  if (!Number.isInteger(maxRuns) || maxRuns < 1 || maxRuns > maxRunsAllowed)
    throw loosened('maxRuns', `must be between 1 and ${maxRunsAllowed}`, input.maxRuns, maxRunsAllowed);
  const recurrence = routing.recurrence;
  if (input.recurrence) {
    if (!Number.isInteger(input.recurrence.episodes) || input.recurrence.episodes > recurrence.episodes)
      throw loosened(
        'recurrence.episodes',
        `may not exceed ${recurrence.episodes}`,
        input.recurrence.episodes,
        recurrence.episodes,
      );
    if (durationMs(input.recurrence.window, 'recurrence.window') < parseDuration(recurrence.window))
      throw loosened(
        'recurrence.window',
        `may not be shorter than ${recurrence.window}`,
        input.recurrence.window,
        recurrence.window,
      );
  }
  return {
    playbook,
    approvalPolicy,
    category,
    budget: givenBudget,
    maxRuns,
    // Left out, the routing file's rule applies (never none).
    recurrence: input.recurrence ?? recurrence,
  };
}

function durationMs(value: unknown, setting: string): number {
  try {
    if (typeof value !== 'string') throw new Error('not a string');
    return parseDuration(value);
  } catch {
    throw loosened(setting, 'must be a duration such as 10m', value);
  }
}
