// The route of a recovery started by hand (API/CLI trigger, schedules): the playbook and
// resource are given, the classification comes from the routing rule for that playbook, and the
// safety settings and approval policy from the policy file, which the request may only tighten.
// Invalid parameters, parameters that contradict the resource, a loosened safety setting or an
// unimplemented playbook are refused before anything starts.
import { incidentIdFor, type RouteDecision } from '../../shared/incident';
import { playbookDefinition } from '../../shared/playbooks';
import { type ApprovalTightening } from '../../shared/policy/schema';
import { resourceProblem } from '../../shared/resource';
import { canonicalResource } from '../../shared/resource-id';
import { type RoutingTable } from '../../shared/routing/routing-table';
import { ServiceError } from './types';

/** Throws ServiceError (invalid) or PolicyError (PolicyViolation / ResourceMismatch, both 400). */
export function manualRoute(
  routing: RoutingTable,
  req: {
    playbook: string;
    resource: string;
    params: Record<string, unknown>;
    approval?: ApprovalTightening;
    source?: string;
  },
): { incidentKey: string; incidentId: string; route: RouteDecision } {
  // org:<UUID> and org:<uuid> are one resource, hence one incident (one lock).
  req = { ...req, resource: canonicalResource(req.resource) };
  const def = playbookDefinition(req.playbook);
  if (!def) throw new ServiceError('invalid', `playbook ${req.playbook} is not implemented yet`);
  // The resource grammar (DESIGN.md): no resource may spell another incident's, episode's or run's
  // id. A kind other than the playbook's is the policy's ResourceMismatch (resolve, below).
  const problem = resourceProblem(req.resource);
  if (problem) throw new ServiceError('invalid', problem);
  const rule = routing.ruleForPlaybook(req.playbook);
  const classification = rule
    ? routing.classify(rule, {})
    : { severity: 'ERROR' as const, category: 'transient' as const, recoverability: 'approval' as const };
  const resolved = routing.policy.resolve({
    def,
    resource: req.resource,
    params: req.params,
    approval: req.approval,
    source: req.source ?? 'a trigger',
  });
  const parsed = def.paramsSchema.safeParse(resolved.params);
  if (!parsed.success) {
    throw new ServiceError('invalid', `invalid parameters for ${req.playbook}`, parsed.error.issues);
  }
  const incidentKey = `${req.playbook}:${req.resource}`;
  return {
    incidentKey,
    incidentId: incidentIdFor(incidentKey),
    route: {
      rule: 'manual',
      playbook: req.playbook,
      workflowType: def.workflowType,
      resource: req.resource,
      params: parsed.data as Record<string, unknown>,
      classification,
      // The routing rule's tightening, then the request's.
      approvalPolicy: routing.policy.tightenApproval(
        routing.policyFor(rule, classification.category),
        req.approval,
        req.source ?? 'a trigger',
      ),
      policyVersion: resolved.policyVersion,
      cooldown: rule?.cooldown ?? routing.file.guardrails.cooldown,
    },
  };
}
