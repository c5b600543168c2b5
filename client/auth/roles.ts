// The roles a bearer token can carry (DESIGN.md) and what each endpoint requires. `admin` implies
// every other role so an operator with the admin token never needs a second one.
import { z } from 'zod';

export const ROLES = ['alerts:write', 'incidents:read', 'incidents:write', 'approver', 'admin'] as const;
export type RoleName = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

export interface AuthPrincipal {
  name: string;
  roles: RoleName[];
}

/** True when the principal holds the role, directly or through `admin`. */
export function hasRole(principal: AuthPrincipal, role: RoleName): boolean {
  return principal.roles.includes(role) || principal.roles.includes('admin');
}
