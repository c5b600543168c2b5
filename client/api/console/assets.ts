// The operator console's files, served by the API from a fixed allowlist: the page and its style
// sheet from console/static/, the ES modules tsc compiles from console/src/ into dist/console/
// (`npm run build:console`; `stack up` and the test command build it). Nothing outside this list
// is ever read, so no request path can reach another file, and everything is local: the console
// works on a machine without internet.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../shared/paths';

export interface ConsoleAsset {
  /** The file on disk. */
  path: string;
  contentType: string;
}

const STATIC_DIR = join(REPO_ROOT, 'console/static');
/** Where console/tsconfig.json writes the compiled modules. */
export const CONSOLE_BUILD_DIR = join(REPO_ROOT, 'dist/console');

/** The compiled modules, one per console/src/*.ts (a unit test keeps the two lists equal). */
export const CONSOLE_MODULES = [
  'api.js',
  'api-types.js',
  'app.js',
  'control-view.js',
  'dom.js',
  'format.js',
  'gate-rules.js',
  'inbox-view.js',
  'incident-view.js',
  'list-filters.js',
  'list-view.js',
  'main.js',
  'markdown.js',
  'markdown-view.js',
  'session.js',
  'signin-view.js',
  'timeline.js',
  'timeline-view.js',
] as const;

const JS = 'text/javascript; charset=utf-8';

/** URL name (under /console/) → file. index.html is also served at `/`. */
export const CONSOLE_ASSETS: ReadonlyMap<string, ConsoleAsset> = new Map<string, ConsoleAsset>([
  ['index.html', { path: join(STATIC_DIR, 'index.html'), contentType: 'text/html; charset=utf-8' }],
  ['console.css', { path: join(STATIC_DIR, 'console.css'), contentType: 'text/css; charset=utf-8' }],
  ...CONSOLE_MODULES.map((m): [string, ConsoleAsset] => [
    m,
    { path: join(CONSOLE_BUILD_DIR, m), contentType: JS },
  ]),
]);

/**
 * The console's security headers: its own origin only (no inline script, no third-party host),
 * never framed, no MIME sniffing, no referrer (incident ids stay out of other sites' logs).
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * Reads an allowlisted file; undefined for a name not on the list.
 * @throws Error with code ENOENT when the console has not been built
 */
export async function readConsoleAsset(
  name: string,
): Promise<{ body: Buffer; contentType: string } | undefined> {
  const asset = CONSOLE_ASSETS.get(name);
  if (!asset) return undefined;
  return { body: await readFile(asset.path), contentType: asset.contentType };
}
