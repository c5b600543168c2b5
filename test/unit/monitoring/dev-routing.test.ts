/* eslint-disable @typescript-eslint/no-explicit-any */
// The dev stack's routing file (scripts/stack/dev-routing.ts) changes only the guardrail windows
// of config/routing.dev-overrides.yaml: every route is the production one and the recurrence rule
// stays on (the script validates the result with the routing schema before writing it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../shared/paths';

const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');

test('same routes as config/routing.yaml; only the guardrail windows differ', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'dev-routing-')), 'routing.dev.yaml');
  execFileSync(tsx, [join(REPO_ROOT, 'scripts/stack/dev-routing.ts'), out], { cwd: REPO_ROOT });
  const prod = parse(readFileSync(join(REPO_ROOT, 'config/routing.yaml'), 'utf8')) as Record<string, any>;
  const dev = parse(readFileSync(out, 'utf8')) as Record<string, any>;
  const over = parse(readFileSync(join(REPO_ROOT, 'config/routing.dev-overrides.yaml'), 'utf8')) as Record<
    string,
    any
  >;
  expect(dev.routes).toEqual(prod.routes);
  expect(dev.guardrails).toEqual({ ...prod.guardrails, ...over.guardrails });
  expect(dev.guardrails.recurrence.episodes).toBeGreaterThanOrEqual(2);
  expect(Object.keys(over)).toEqual(['guardrails']);
}, 30_000);
