// Exit codes scripts can rely on (documented in `rebound --help`).
export const ExitCode = {
  /** The command did what was asked (and, with --wait, the recovery recovered). */
  Ok: 0,
  /** The command ran but the outcome is a failure (a recovery that failed, escalated, …). */
  Failure: 1,
  /** Bad usage or a request the API refused as invalid (400). */
  Usage: 2,
  /** Not found (404) or conflict (409: nothing pending, already closed). */
  NotFoundOrConflict: 3,
  /** Authentication or authorization (401, 403, no token available). */
  Auth: 4,
  /** The API or its dependencies are unavailable (connection refused, 5xx, timeout). */
  Unavailable: 5,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (with --wait: the recovery ended recovered or resolved-before-action)
  1  failure outcome (with --wait: failed, escalated, compensated, cancelled, or needs a human)
  2  usage error or invalid request (HTTP 400)
  3  not found or conflict (HTTP 404 / 409, e.g. nothing pending to approve)
  4  authentication or authorization (HTTP 401 / 403, no token)
  5  API or its dependencies unavailable (connection refused, HTTP 5xx)`;

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function exitCodeForStatus(status: number): number {
  if (status === 400 || status === 413 || status === 415) return ExitCode.Usage;
  if (status === 401 || status === 403) return ExitCode.Auth;
  if (status === 404 || status === 409) return ExitCode.NotFoundOrConflict;
  if (status >= 500) return ExitCode.Unavailable;
  return ExitCode.Failure;
}
