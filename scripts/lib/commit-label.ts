// The commit a result file is named by: HEAD's short hash, and whether the tree had changes.
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../../shared/paths';

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT }).toString().trim();

/** HEAD's commit, 12 hex digits. Throws if git fails (not a checkout). */
export function headCommit(): string {
  return git('rev-parse', '--short=12', 'HEAD');
}

/**
 * HEAD's commit with `-dirty` when `git status` lists a change: tracked files always, untracked
 * ones too when `untracked` is set; paths under `exclude` (pathspecs) never count. Throws if git
 * fails.
 */
export function commitLabel(o: { untracked: boolean; exclude?: string[] }): string {
  const args = ['status', '--porcelain', `--untracked-files=${o.untracked ? 'normal' : 'no'}`, '--', '.'];
  for (const path of o.exclude ?? []) args.push(`:!${path}`);
  return git(...args) === '' ? headCommit() : `${headCommit()}-dirty`;
}
