// Whether the console offers the signed-in principal the approve/reject buttons of a gate. It
// mirrors the API's and the workflow validator's rules (roles, the gate's allowed principals and
// roles, restrictTo, the initiator may not approve, one vote per principal) only to avoid offering
// a button that would be refused: the API checks every decision anyway (issue 15, item 5).
import { type PendingApproval } from './api-types.js';

export interface Decider {
  principal: string;
  roles: string[];
}

export type DecideVerdict = { allowed: true } | { allowed: false; reason: string };

const hasRole = (d: Decider, role: string) => d.roles.includes(role) || d.roles.includes('admin');

/** @param initiator the principal who started the recovery (the four-eyes rule, seed 002) */
export function canDecide(gate: PendingApproval, who: Decider, initiator: string): DecideVerdict {
  if (!hasRole(who, 'approver')) return { allowed: false, reason: 'your token lacks the approver role' };
  const listed =
    gate.allowedPrincipals.includes(who.principal) || gate.allowedRoles.some((r) => hasRole(who, r));
  if (!listed) return { allowed: false, reason: 'this gate names other approvers' };
  if (gate.restrictTo?.length && !gate.restrictTo.includes(who.principal))
    return { allowed: false, reason: `only ${gate.restrictTo.join(', ')} may decide this gate` };
  if (who.principal === initiator) return { allowed: false, reason: 'you started this recovery' };
  if (gate.votes.some((v) => v.principal === who.principal))
    return { allowed: false, reason: 'you already voted on this gate' };
  return { allowed: true };
}
