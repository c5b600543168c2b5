// What an approver is shown before the CLI sends a decision: the question, the plan the step will
// carry out (beside the preceding dry run's, when there was one), the parameters and the votes
// so far. The decision then names this gate and its digest, so it cannot apply to anything else.
import { type PendingApproval, type PlannedAction } from '../../shared/workflow-interface';

function planLines(title: string, plan: PlannedAction[] | undefined): string[] {
  if (!plan?.length) return [];
  return [
    `  ${title}:`,
    ...plan.map(
      (a) =>
        `    ${a.step}: ${a.action}${a.destructive ? ' [destructive]' : ''}${a.details ? ` ${JSON.stringify(a.details)}` : ''}`,
    ),
  ];
}

export function formatGate(workflowId: string, p: PendingApproval): string {
  const who = [...p.allowedPrincipals, ...p.allowedRoles.map((r) => `role:${r}`)].join(', ');
  const approvals = p.votes.filter((v) => v.decision === 'approve').length;
  return [
    `approval ${p.id} on ${workflowId} (${p.step})`,
    `  question: ${p.question}`,
    ...(p.choices.length ? [`  choices: ${p.choices.join(', ')}`] : []),
    ...planLines('plan if approved', p.plan),
    ...planLines('plan of the preceding dry run', p.dryRunPlan),
    ...(p.params ? [`  parameters: ${JSON.stringify(p.params)}`] : []),
    `  who may decide: ${who}${p.restrictTo?.length ? ` (only ${p.restrictTo.join(', ')})` : ''}; quorum ${approvals}/${p.quorum}; until ${p.deadline}, then ${p.onTimeout}`,
    `  votes so far: ${p.votes.map((v) => `${v.principal} ${v.decision}${v.choice ? ` (${v.choice})` : ''}`).join(', ') || 'none'}`,
    `  digest: ${p.digest ?? '-'}`,
  ].join('\n');
}
