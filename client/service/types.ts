// The service layer's vocabulary shared with the HTTP API and the CLI: principals and roles from
// bearer tokens, and the typed errors the API maps onto HTTP statuses.
export type Role = 'alerts:write' | 'incidents:read' | 'incidents:write' | 'approver' | 'admin';

export interface Principal {
  name: string;
  roles: Role[];
}

export type ServiceErrorCode = 'invalid' | 'not-found' | 'conflict' | 'forbidden' | 'unavailable';

/**
 * A refusal of the service layer. `code` is its broad class; `type`, when set, is the precise
 * failure type of shared/errors.ts (the API maps types to HTTP statuses before codes).
 */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details?: unknown,
    readonly type?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export interface IntakeResult {
  incidents: {
    fingerprint: string;
    incidentId: string;
    episodeId?: string;
    action: 'started' | 'attached' | 'resolved' | 'ignored' | 'rejected';
    reason?: string;
  }[];
  truncatedAlerts?: number;
}
