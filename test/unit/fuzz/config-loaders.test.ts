// A short run of the config-file campaign (the full one is `npm run fuzz`): the routing, policy and
// schedules loaders, fed broken files, load them or refuse them with a clear error, never crash.
// The exponential-alias file ("billion laughs") crashed all three with the yaml package's own
// ReferenceError before load-yaml reported it as a ConfigFileError.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchedules } from '../../../client/service/schedules';
import { loadPolicy } from '../../../shared/policy/load-policy';
import { ConfigFileError } from '../../../shared/routing/load-yaml';
import { RoutingTable } from '../../../shared/routing/routing-table';
import { runConfigCampaign } from '../../fuzz/config-campaign';

test('100 generated files per loader: loaded or a clear error, no crash', () => {
  const counts = runConfigCampaign(100, Number(process.env.REBOUND_FUZZ_SEED ?? 14));
  for (const c of counts) {
    expect(c.findings).toEqual([]);
    expect(c.crashes).toBe(0);
    expect(c.loaded + c.clearErrors).toBe(100);
    // The campaign reaches past the YAML parser: some texts are refused by the schema, some load.
    expect(c.clearErrors).toBeGreaterThan(30);
  }
}, 120_000);

test('an exponential-alias file is a ConfigFileError naming the file, for every loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-laughs-'));
  try {
    const defs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++)
      defs.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    const file = join(dir, 'laughs.yaml');
    writeFileSync(file, defs.join('\n'));
    for (const load of [(p: string) => RoutingTable.load(p), loadPolicy, loadSchedules]) {
      let error: unknown;
      try {
        load(file);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigFileError);
      expect((error as Error).message).toContain(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
