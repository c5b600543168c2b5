// What every command needs: the global options (--api, --token, --as, --json), an API client
// authenticated as the right principal, and one way to print (JSON for scripts, text for people).
import { type Command } from 'commander';
import { ApiClient, defaultApiUrl } from './api-client';
import { resolveToken } from './credentials';

export interface GlobalOptions {
  api?: string;
  token?: string;
  as?: string;
  json?: boolean;
}

export class CliContext {
  constructor(private readonly opts: GlobalOptions) {}

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.opts.json === true;
  }

  /** A client acting as --token / --as / REBOUND_TOKEN, else the verb's default dev principal. */
  api(defaultPrincipal = 'operator'): ApiClient {
    return new ApiClient({
      baseUrl: (this.opts.api ?? defaultApiUrl()).replace(/\/+$/, ''),
      token: resolveToken({ token: this.opts.token, as: this.opts.as }, defaultPrincipal),
    });
  }

  print(value: unknown, human: () => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
  }
}
