// Paths of the stack's cached tools, from the same versions file the stack scripts read.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/paths';

function versions(): Record<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'scripts/stack/versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=', 2) as [string, string]),
  );
}

export const CACHE_DIR =
  process.env.REBOUND_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rebound');

export function testServerPath(): string {
  return join(
    CACHE_DIR,
    `temporal-test-server-${versions().TEMPORAL_TEST_SERVER_VERSION}`,
    'bin',
    'temporal-test-server',
  );
}

export function temporalCliPath(): string {
  return join(CACHE_DIR, `temporal-${versions().TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** The Toxiproxy server binary (built by `go install` into the per-user cache, keyed by version). */
export function toxiproxyPath(): { dir: string; binary: string; version: string } {
  const version = versions().TOXIPROXY_VERSION;
  const dir = join(CACHE_DIR, `toxiproxy-${version}`);
  return { dir, binary: join(dir, 'server'), version };
}
