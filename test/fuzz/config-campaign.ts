// Bad-input campaign for the files an operator edits: the routing, policy and schedules files.
// Each loader gets `runs` file texts drawn by fast-check: the real file with lines dropped,
// duplicated, truncated or carrying injection and unicode strings; random YAML documents; YAML
// with aliases that expand exponentially; deeply nested flows; raw bytes. Every outcome must be
// a loaded file or a clear error (ConfigFileError naming file and line, or PolicyError naming the
// setting a routing rule would loosen): any other exception is a crash, and counted as a finding.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSchedules } from '../../client/service/schedules';
import { REPO_ROOT } from '../../shared/paths';
import { loadPolicy } from '../../shared/policy/load-policy';
import { PolicyError } from '../../shared/policy/safety-policy';
import { ConfigFileError } from '../../shared/routing/load-yaml';
import { RoutingTable } from '../../shared/routing/routing-table';
import { anyJson, nastyString } from './nasty-values';

export interface LoaderCounts {
  loader: string;
  runs: number;
  loaded: number;
  clearErrors: number;
  crashes: number;
  findings: { text: string; error: string }[];
}

interface Loader {
  name: string;
  file: string;
  load: (path: string) => unknown;
}

const LOADERS: Loader[] = [
  { name: 'routing', file: 'config/routing.yaml', load: (p) => RoutingTable.load(p) },
  { name: 'policy', file: 'config/policy.yaml', load: (p) => loadPolicy(p) },
  { name: 'schedules', file: 'config/schedules.yaml', load: (p) => loadSchedules(p) },
];

/** File texts derived from `original` (a working file), each likely broken in its own way. */
function fileText(original: string): fc.Arbitrary<string> {
  const lines = original.split('\n');
  const lineMutation = fc
    .array(
      fc.tuple(
        fc.nat({ max: lines.length - 1 }),
        fc.constantFrom('drop', 'dup', 'nasty', 'indent', 'value'),
        nastyString,
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((ops) => {
      const out = [...lines];
      for (const [i, op, s] of ops) {
        const at = Math.min(i, out.length - 1);
        if (op === 'drop') out.splice(at, 1);
        else if (op === 'dup') out.splice(at, 0, out[at]);
        else if (op === 'nasty') out.splice(at, 0, s);
        else if (op === 'indent') out[at] = `  ${out[at]}`;
        else out[at] = out[at].replace(/:\s.*$/, `: ${JSON.stringify(s)}`);
      }
      return out.join('\n');
    });
  const billionLaughs = fc.integer({ min: 2, max: 12 }).map((n) => {
    const defs = ['a: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < n; i++)
      defs.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    return defs.join('\n');
  });
  return fc.oneof(
    { arbitrary: lineMutation, weight: 6 },
    { arbitrary: fc.nat({ max: original.length }).map((n) => original.slice(0, n)), weight: 2 },
    { arbitrary: anyJson.map((v) => stringify(v)), weight: 2 },
    { arbitrary: fc.dictionary(fc.string(), anyJson, { maxKeys: 5 }).map((v) => stringify(v)), weight: 1 },
    { arbitrary: billionLaughs, weight: 1 },
    {
      arbitrary: fc.integer({ min: 100, max: 5_000 }).map((d) => `routes: ${'['.repeat(d)}${']'.repeat(d)}`),
      weight: 1,
    },
    { arbitrary: fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b).toString('latin1')), weight: 1 },
  );
}

/** Runs every loader `runs` times; never throws for what a loader does. */
export function runConfigCampaign(runs: number, seed: number, log?: (line: string) => void): LoaderCounts[] {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-config-fuzz-'));
  try {
    return LOADERS.map((loader) => {
      const original = readFileSync(join(REPO_ROOT, loader.file), 'utf8');
      const texts = fc.sample(fileText(original), { numRuns: runs, seed });
      const counts: LoaderCounts = {
        loader: loader.name,
        runs: texts.length,
        loaded: 0,
        clearErrors: 0,
        crashes: 0,
        findings: [],
      };
      const path = join(dir, `${loader.name}.yaml`);
      for (const text of texts) {
        writeFileSync(path, text);
        try {
          loader.load(path);
          counts.loaded += 1;
        } catch (err) {
          if (err instanceof ConfigFileError || err instanceof PolicyError) counts.clearErrors += 1;
          else {
            counts.crashes += 1;
            if (counts.findings.length < 10)
              counts.findings.push({
                text: text.slice(0, 300),
                error: String((err as Error)?.stack ?? err).slice(0, 500),
              });
          }
        }
      }
      log?.(
        `${loader.name} file: ${counts.runs} texts, loaded ${counts.loaded}, clear errors ${counts.clearErrors}, crashes ${counts.crashes}`,
      );
      return counts;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
