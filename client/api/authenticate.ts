// Bearer authentication and role checks, run in onRequest so a caller without a valid token is
// refused (401) before its body is even read, and one without the role gets 403.
import { type FastifyRequest } from 'fastify';
import { hasRole, type AuthPrincipal, type RoleName } from '../auth/roles';
import { type TokenStore } from '../auth/token-store';
import { HttpError } from './http-errors';

export interface Authenticator {
  /** Resolves the request's principal or throws HttpError 401 / 403. */
  authorize(request: FastifyRequest, role: RoleName): AuthPrincipal;
}

export function createAuthenticator(tokens: Pick<TokenStore, 'authenticate'>): Authenticator {
  return {
    authorize(request, role) {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) throw new HttpError(401, 'unauthorized', 'missing bearer token');
      const principal = tokens.authenticate(match[1]);
      if (!principal) throw new HttpError(401, 'unauthorized', 'invalid bearer token');
      if (!hasRole(principal, role))
        throw new HttpError(403, 'forbidden', `principal ${principal.name} lacks the role ${role}`, {
          principal: principal.name,
          role,
        });
      return principal;
    },
  };
}
