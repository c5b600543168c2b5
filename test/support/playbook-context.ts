// The context of a playbook run as workflow tests start it: started by `tester`, with the approval
// policy the policy file gives most playbooks (one `approver`, within an hour).
import { type PlaybookContext } from '../../shared/playbook';

/**
 * A playbook context for `resource` (e.g. `outbox:platform`). `dryRun` defaults to false; the
 * approval policy's `timeout` (a duration such as `1h`) and `required` can be changed.
 */
export function testContext(
  resource: string,
  opts: { dryRun?: boolean; timeout?: string; required?: boolean } = {},
): PlaybookContext {
  return {
    resource,
    initiator: 'tester',
    reason: '',
    dryRun: opts.dryRun ?? false,
    approvalPolicy: {
      allowedPrincipals: [],
      allowedRoles: ['approver'],
      quorum: 1,
      timeout: opts.timeout ?? '1h',
      required: opts.required ?? true,
    },
  };
}
