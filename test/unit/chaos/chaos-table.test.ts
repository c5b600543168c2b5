// The chaos table: a cell that cannot apply (a playbook that never talks to the stopped store) is
// shown as such, never as a pass with zero runs hidden among the others.
import { chaosTable, type MatrixRow } from '../../chaos/matrix';

const row = (over: Partial<MatrixRow>): MatrixRow => ({
  playbook: 'cache-repair',
  fault: 'redis stopped 30 s',
  runs: 1,
  passed: 1,
  doubled: 0,
  lost: 0,
  recoverMs: 1_500,
  failures: [],
  ...over,
});

test('a run cell shows its counts and its time to recover in seconds', () => {
  expect(chaosTable([row({})])).toContain('| cache-repair | redis stopped 30 s | 1 | 1 | 0 | 0 | 1.5 s |');
});

test('a cell that cannot apply says so and why, with no counts', () => {
  const table = chaosTable([
    row({
      fault: 'kafka stopped 30 s',
      runs: 0,
      passed: 0,
      recoverMs: 0,
      notApplicable: 'no step uses Kafka',
    }),
  ]);
  expect(table).toContain(
    '| cache-repair | kafka stopped 30 s | 0 | not applicable: no step uses Kafka | | | |',
  );
  expect(table).not.toContain('0.0 s');
});

test('failures are listed under the table, one line each', () => {
  const table = chaosTable([
    row({ passed: 0, failures: ['worker SIGKILL after step 2: recovered; 1 lost'] }),
  ]);
  expect(table).toContain('failure — cache-repair: worker SIGKILL after step 2: recovered; 1 lost');
});
