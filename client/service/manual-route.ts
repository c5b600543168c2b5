// The route of a recovery started by hand (API/CLI trigger, schedules): the playbook and
// resource are given, the classification and approval policy come from the routing rule for
// that playbook. Invalid parameters or an unimplemented playbook are refused before anything
// starts.
import { incidentIdFor, type RouteDecision } from '../../shared/incident';
import { playbookDefinition } from '../../shared/playbooks';
import { parseResource, resourceProblem } from '../../shared/resource';
import { type RoutingTable } from '../../shared/routing/routing-table';
import { ServiceError } from './types';

export function manualRoute(
  routing: RoutingTable,
  req: { playbook: string; resource: string; params: Record<string, unknown> },
): { incidentKey: string; incidentId: string; route: RouteDecision } {
  const def = playbookDefinition(req.playbook);
  if (!def) throw new ServiceError('invalid', `playbook ${req.playbook} is not implemented yet`);
  // The kind is the one the playbook declares (DESIGN.md resource grammar).
  const problem = resourceProblem(req.resource);
  if (problem) throw new ServiceError('invalid', problem);
  const { kind } = parseResource(req.resource);
  if (kind !== def.resourceKind) {
    throw new ServiceError(
      'invalid',
      `playbook ${req.playbook} acts on ${def.resourceKind}:<id> resources, not ${kind}:<id>`,
    );
  }
  const parsed = def.paramsSchema.safeParse(req.params);
  if (!parsed.success) {
    throw new ServiceError('invalid', `invalid parameters for ${req.playbook}`, parsed.error.issues);
  }
  const rule = routing.ruleForPlaybook(req.playbook);
  const classification = rule
    ? routing.classify(rule, {})
    : { severity: 'ERROR' as const, category: 'transient' as const, recoverability: 'approval' as const };
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
      approvalPolicy: routing.policyFor(rule, classification.category),
      cooldown: rule?.cooldown ?? routing.file.guardrails.cooldown,
    },
  };
}
