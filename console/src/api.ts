// The console's HTTP client: the same API calls the CLI makes (client/cli/api-client.ts), with the
// token of the signed-in principal as a bearer header. Failures become ApiError with the API's
// status, error name and details (for example a 409's currentGate).
import { type ErrorBody } from './api-types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class Api {
  constructor(
    private readonly token: string,
    /** Called on a 401: the token was revoked or mistyped. */
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** A text resource (the markdown report). */
  async text(path: string): Promise<string> {
    const res = await this.send('GET', path);
    if (!res.ok) throw await this.failure(res);
    return res.text();
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (!res.ok) throw await this.failure(res);
    return (await res.json()) as T;
  }

  private send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  }

  private async failure(res: Response): Promise<ApiError> {
    let body: Partial<ErrorBody> = {};
    try {
      body = (await res.json()) as ErrorBody;
    } catch {
      // not JSON: keep the status
    }
    if (res.status === 401) this.onUnauthorized();
    return new ApiError(
      res.status,
      body.error ?? `http-${res.status}`,
      body.message ?? res.statusText,
      body.details,
    );
  }
}

export const incidentPath = (id: string, suffix = '') => `/v1/incidents/${encodeURIComponent(id)}${suffix}`;
