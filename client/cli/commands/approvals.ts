// approve / reject: the decision is made as the token's principal (--as alice, --token, or
// REBOUND_TOKEN). The CLI first reads the incident and shows the gate (question, plan, votes),
// then sends the decision naming that gate and the digest of what was shown: if the gate changed
// or settled meanwhile, the API answers 409 with the current gate instead of applying it.
import { type Command } from 'commander';
import { type IncidentView } from '../../../shared/api/schemas';
import { type PendingApproval } from '../../../shared/workflow-interface';
import { incidentPath } from '../api-client';
import { CliContext } from '../context';
import { formatGate } from '../format-gate';

interface DecisionReply {
  approvalId: string;
  votes: number;
  quorum: number;
  settled: boolean;
}

/** The pending gates of an incident: its own, then its playbook run's. */
export function pendingGates(v: IncidentView): { workflowId: string; gate: PendingApproval }[] {
  if (!v.running) return [];
  return [v.incident, v.playbook]
    .filter((s) => s?.pendingApproval !== undefined)
    .map((s) => ({ workflowId: s!.workflowId, gate: s!.pendingApproval! }));
}

export function registerApprovalCommands(program: Command): void {
  for (const decision of ['approve', 'reject'] as const) {
    const cmd = program
      .command(decision)
      .description(
        `${decision} the step waiting for a decision, as the token's principal (needs the approver role; e.g. --as alice); shows the question, plan and votes first`,
      )
      .argument('<incident-id>')
      .option('-m, --comment <text>', 'why (kept with the vote)', '')
      .option('--approval <id>', 'the gate to decide when more than one is pending');
    if (decision === 'approve')
      cmd.option('--choice <choice>', 'for approvals that offer choices, the one to take');
    cmd.action(
      async (id: string, opts: { comment: string; choice?: string; approval?: string }, c: Command) => {
        const ctx = CliContext.of(c);
        const api = ctx.api('alice');
        const view = await api.request<IncidentView>('GET', incidentPath(id));
        const gates = pendingGates(view);
        const picked = opts.approval ? gates.find((g) => g.gate.id === opts.approval) : gates[0];
        // Shown on stderr so --json output stays the API's reply.
        if (picked) process.stderr.write(`${formatGate(picked.workflowId, picked.gate)}\n`);
        const body = {
          decision,
          comment: opts.comment,
          ...(opts.choice ? { choice: opts.choice } : {}),
          // Without a gate the API answers 409 with what is pending now (nothing, or another gate).
          approvalId: picked?.gate.id ?? opts.approval ?? 'none',
          ...(picked?.gate.digest ? { digest: picked.gate.digest } : {}),
        };
        const reply = await api.request<DecisionReply>('POST', incidentPath(id, '/approvals'), body);
        ctx.print(
          reply,
          () =>
            `${decision === 'approve' ? 'approved' : 'rejected'} ${reply.approvalId}: ${reply.votes}/${reply.quorum} vote(s)${reply.settled ? ', settled' : ', waiting for more approvers'}`,
        );
      },
    );
  }
}
