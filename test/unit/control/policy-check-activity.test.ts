// The worker's policy-check activities (activities/control/policy-check.ts): a refusal is a
// non-retryable ApplicationFailure whose type and details name the setting; an admin's edit of the
// policy file applies to the next check without a restart; a file broken by an edit makes checks
// fail as transient errors (retried, never an unchecked pass); a broken file at start stops the worker.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createPolicyCheckActivities } from '../../../activities/control/policy-check';
import { REPO_ROOT } from '../../../shared/paths';

const ORG = '7b0c3f7e-2f4e-4a5e-9c1d-0a1b2c3d4e5f';
const input = (gracePeriod: string) => ({
  playbook: 'org-deletion',
  resource: `org:${ORG}`,
  params: { gracePeriod },
});

test('refusals are typed and non-retryable; edits apply to the next check; a broken file never lets inputs through', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-policy-check-'));
  const policyFile = join(dir, 'policy.yaml');
  const dev = readFileSync(join(REPO_ROOT, 'config/policy.dev.yaml'), 'utf8');
  writeFileSync(policyFile, dev);
  const checks = createPolicyCheckActivities({
    policyFile,
    routingFile: join(REPO_ROOT, 'config/routing.yaml'),
  });
  expect((await checks.checkPlaybookInput(input('6s'))).params.gracePeriod).toBe('6s');

  const refused = await checks.checkPlaybookInput(input('1s')).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ApplicationFailure);
  expect(refused).toMatchObject({ type: 'PolicyViolation', nonRetryable: true });
  expect((refused as ApplicationFailure).details?.[0]).toMatchObject({
    setting: 'gracePeriod',
    requested: '1s',
  });

  // The admin raises the minimum grace period: the next check holds inputs to it.
  writeFileSync(
    policyFile,
    dev.replace('value: 5s, tighten: longer, min: 5s', 'value: 1h, tighten: longer, min: 1h'),
  );
  const stricter = await checks.checkPlaybookInput(input('6s')).catch((e: unknown) => e);
  expect(stricter).toMatchObject({ type: 'PolicyViolation' });

  // A broken edit: a plain (retryable) error, not an ApplicationFailure and not a pass.
  writeFileSync(policyFile, 'version: [');
  const broken = await checks.checkPlaybookInput(input('2h')).catch((e: unknown) => e);
  expect(broken).toBeInstanceOf(Error);
  expect(broken).not.toBeInstanceOf(ApplicationFailure);
  expect(() => createPolicyCheckActivities({ policyFile })).toThrow();
});
