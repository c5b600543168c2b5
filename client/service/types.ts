// The service layer's vocabulary shared with the HTTP API and the CLI: principals and roles from
// bearer tokens, and the typed errors the API maps onto HTTP statuses.
export type Role = 'alerts:write' | 'incidents:read' | 'incidents:write' | 'approver' | 'admin';

export interface Principal {
  name: string;
  roles: Role[];
}

export type ServiceErrorCode = 'invalid' | 'not-found' | 'conflict' | 'forbidden' | 'unavailable';

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details?: unknown,
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
