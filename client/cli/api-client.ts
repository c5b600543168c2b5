// The CLI's HTTP client for the Rebound API: one request function that turns HTTP failures into
// CliErrors carrying the documented exit code and the API's error message.
import { loadConfig } from '../../shared/config';
import { CliError, ExitCode, exitCodeForStatus } from './exit-codes';

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  timeoutMs?: number;
}

export function defaultApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REBOUND_API_URL) return env.REBOUND_API_URL.replace(/\/+$/, '');
  const { api } = loadConfig(env);
  return `http://${api.host}:${api.port}`;
}

export class ApiClient {
  constructor(private readonly opts: ApiClientOptions) {}

  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const parsed: unknown = type.includes('json') && text ? JSON.parse(text) : text;
    if (!res.ok) {
      const err = parsed as { error?: string; message?: string; details?: unknown };
      const message = typeof err === 'object' && err?.message ? err.message : `HTTP ${res.status}`;
      throw new CliError(
        exitCodeForStatus(res.status),
        `${method} ${path}: ${res.status} ${message}`,
        err?.details,
      );
    }
    return parsed as T;
  }

  private async send(method: string, path: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.opts.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new CliError(
        ExitCode.Unavailable,
        `cannot reach the Rebound API at ${this.opts.baseUrl} (${cause}); is it running? ('rebound stack up')`,
      );
    }
  }
}

export function incidentPath(id: string, suffix = ''): string {
  return `/v1/incidents/${encodeURIComponent(id)}${suffix}`;
}
