// The fuzz campaign's tokens, from the stack's dev tokens (.rebound/dev-tokens.json): one token
// per role, and the weakest principal's (alertmanager: alerts:write only) as the under-privileged
// one every other endpoint must refuse with 403.
import { type DevTokens } from '../../client/auth/dev-tokens';
import { type FuzzTokens } from './api-targets';

/** Throws when a role has no dev principal (the stack writes all of them). */
export function fuzzTokens(dev: DevTokens): FuzzTokens {
  const byRole: Record<string, string> = {};
  for (const { token, roles } of Object.values(dev)) for (const r of roles) byRole[r] ??= token;
  for (const role of ['alerts:write', 'incidents:read', 'incidents:write', 'approver', 'admin'])
    if (!byRole[role]) throw new Error(`no dev token with the role ${role}`);
  const weakest = dev.alertmanager?.token;
  if (!weakest) throw new Error('no dev token for the alertmanager principal');
  return { byRole, weakest };
}
