// approve / reject: the decision is made as the token's principal (--as alice, --token, or
// REBOUND_TOKEN); the API signs it and the workflow's validator checks it.
import { type Command } from 'commander';
import { incidentPath } from '../api-client';
import { CliContext } from '../context';

interface DecisionReply {
  approvalId: string;
  votes: number;
  quorum: number;
  settled: boolean;
}

export function registerApprovalCommands(program: Command): void {
  for (const decision of ['approve', 'reject'] as const) {
    const cmd = program
      .command(decision)
      .description(
        `${decision} the step waiting for a decision, as the token's principal (needs the approver role; e.g. --as alice)`,
      )
      .argument('<incident-id>')
      .option('-m, --comment <text>', 'why (kept with the vote)', '');
    if (decision === 'approve')
      cmd.option('--choice <choice>', 'for approvals that offer choices, the one to take');
    cmd.action(async (id: string, opts: { comment: string; choice?: string }, c: Command) => {
      const ctx = CliContext.of(c);
      const body = { decision, comment: opts.comment, ...(opts.choice ? { choice: opts.choice } : {}) };
      const reply = await ctx
        .api('alice')
        .request<DecisionReply>('POST', incidentPath(id, '/approvals'), body);
      ctx.print(
        reply,
        () =>
          `${decision === 'approve' ? 'approved' : 'rejected'} ${reply.approvalId}: ${reply.votes}/${reply.quorum} vote(s)${reply.settled ? ', settled' : ', waiting for more approvers'}`,
      );
    });
  }
}
