// Where this checkout keeps its per-checkout state (.rebound/: data, pid files, dev tokens, keys).
// Found by walking up from this module so it works from sources (tsx) and from dist/ alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'rebound')
      return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
export const STATE_DIR = process.env.REBOUND_STATE_DIR ?? join(REPO_ROOT, '.rebound');
