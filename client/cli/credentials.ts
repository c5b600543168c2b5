// Which bearer token the CLI sends: --token, then --as <principal> from the dev tokens file, then
// REBOUND_TOKEN, then the command's default dev principal (operator; admin for admin verbs).
import { DEV_TOKENS_FILE, readDevTokens } from '../auth/dev-tokens';
import { CliError, ExitCode } from './exit-codes';

export interface CredentialOptions {
  token?: string;
  as?: string;
}

export function resolveToken(
  opts: CredentialOptions,
  defaultPrincipal: string,
  env: NodeJS.ProcessEnv = process.env,
  devTokensFile = env.REBOUND_DEV_TOKENS_FILE ?? DEV_TOKENS_FILE,
): string {
  if (opts.token) return opts.token;
  if (!opts.as && env.REBOUND_TOKEN) return env.REBOUND_TOKEN;
  const principal = opts.as ?? defaultPrincipal;
  const tokens = readDevTokens(devTokensFile);
  if (!tokens)
    throw new CliError(
      ExitCode.Auth,
      `no token: pass --token, set REBOUND_TOKEN, or run 'rebound stack up' to create dev tokens in ${devTokensFile}`,
    );
  const entry = tokens[principal];
  if (!entry)
    throw new CliError(
      ExitCode.Auth,
      `no dev token for principal ${JSON.stringify(principal)} (known: ${Object.keys(tokens).join(', ')})`,
    );
  return entry.token;
}
