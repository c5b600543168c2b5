// The CLI against the API (routes over a fake service): --json output, the documented exit codes,
// and token resolution from --as and the dev tokens file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FastifyInstance } from 'fastify';
import { ApiMetrics } from '../../../client/api/metrics';
import { buildApiServer } from '../../../client/api/server';
import { runCli } from '../../../client/cli/main';
import { ExitCode } from '../../../client/cli/exit-codes';
import { type IncidentView } from '../../../shared/api/schemas';
import { createFakeService, FakeServiceError, TEST_TOKENS, testTokenStore } from './fake-service';

let app: FastifyInstance;
let decided: unknown[] = [];

const GATE = {
  id: 'point-of-no-return#1',
  step: 'point-of-no-return',
  question: 'Purge org o-1 for good?',
  choices: [],
  allowedPrincipals: [],
  allowedRoles: ['approver'],
  quorum: 2,
  votes: [{ principal: 'bob', decision: 'approve' as const, at: '2026-01-01T00:00:00Z' }],
  deadline: '2026-01-02T00:00:00Z',
  onTimeout: 'restore the org',
  digest: 'ab'.repeat(32),
  plan: [{ step: 'hard-delete', action: 'delete 5 memberships', destructive: true }],
};
function viewOf(id: string, pending: boolean): IncidentView {
  const status = {
    workflowId: id,
    playbook: 'org-deletion',
    resource: 'org:o-1',
    initiator: 'operator',
    dryRun: false,
    phase: 'awaiting-approval' as const,
    paused: false,
    alertResolved: false,
    steps: [],
    decisions: [],
    compensations: [],
    startedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...(pending ? { pendingApproval: GATE } : {}),
  };
  return {
    incidentId: id,
    running: true,
    executionStatus: 'RUNNING',
    alerts: [],
    repeats: 0,
    runs: [],
    incident: status,
  };
}
let url: string;
let out = '';
let err = '';

beforeAll(async () => {
  const { service } = createFakeService({
    get: (id) =>
      id === 'missing'
        ? Promise.reject(new FakeServiceError('not-found', `no incident ${id}`))
        : Promise.resolve(
            id === 'handed-over'
              ? {
                  ...viewOf(id, false),
                  incident: { ...viewOf(id, false).incident, phase: 'needs-human' as const },
                }
              : viewOf(id, id === 'pending'),
          ),
    decide: (id, d) =>
      (decided.push(d), id === 'pending')
        ? Promise.resolve({ approvalId: 'a1', accepted: true as const, votes: 1, quorum: 2, settled: false })
        : Promise.reject(new FakeServiceError('conflict', 'nothing is pending')),
  });
  app = buildApiServer({ service, tokens: testTokenStore(), metrics: new ApiMetrics() });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'rebound-cli-'));
  const devFile = join(dir, 'dev-tokens.json');
  writeFileSync(
    devFile,
    JSON.stringify({
      alice: { token: TEST_TOKENS.alice, roles: ['approver', 'incidents:read'] },
      operator: { token: TEST_TOKENS.operator, roles: ['incidents:read', 'incidents:write'] },
    }),
  );
  process.env.REBOUND_DEV_TOKENS_FILE = devFile;
  delete process.env.REBOUND_TOKEN;
});
afterAll(() => app?.close());

beforeEach(() => {
  decided = [];
  out = '';
  err = '';
  process.exitCode = undefined;
  jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
});

const cli = (...args: string[]) => runCli(['--api', url, ...args]);

test('trigger prints JSON and exits 0, as operator by default', async () => {
  const code = await cli(
    '--json',
    'trigger',
    'health-probe',
    '--resource',
    'stack:x',
    '--reason',
    'check',
    '--param',
    'dependencies=["redis"]',
  );
  expect(code).toBe(ExitCode.Ok);
  expect(JSON.parse(out)).toEqual({ incidentId: 'health-probe:stack:x', action: 'started' });
});

test('approve as alice from the dev tokens file; nothing pending exits 3', async () => {
  expect(await cli('approve', 'pending', '--as', 'alice', '-m', 'ok')).toBe(ExitCode.Ok);
  expect(out).toContain('approved a1: 1/2 vote(s), waiting for more approvers');
  // It showed the gate (question, plan, votes) and then named that gate and its digest.
  expect(err).toContain('question: Purge org o-1 for good?');
  expect(err).toContain('hard-delete: delete 5 memberships [destructive]');
  expect(err).toContain('votes so far: bob approve');
  expect(decided.at(-1)).toMatchObject({ approvalId: GATE.id, digest: GATE.digest, decision: 'approve' });
  expect(await cli('approve', 'other')).toBe(ExitCode.NotFoundOrConflict);
  expect(err).toContain('409 nothing is pending');
});

test('--wait returns at once, exit 1, when the incident hands over to a person', async () => {
  // A needs-human incident stays open until a person or the alert's resolution closes it: waiting
  // for it to close would always end in the timeout.
  const startedAt = Date.now();
  expect(await cli('status', 'handed-over', '--wait', '--timeout', '30')).toBe(ExitCode.Failure);
  expect(Date.now() - startedAt).toBeLessThan(10_000);
  expect(out).toContain('needs-human');
  // A running incident that has not handed over is still waited for, up to the timeout.
  expect(await cli('status', 'pending', '--wait', '--timeout', '1')).toBe(ExitCode.Failure);
  expect(err).toContain('still running after 1s');
});

test('exit codes: 2 usage and 400, 4 wrong role / bad token / unknown principal, 5 unreachable', async () => {
  expect(await cli('trigger', 'health-probe')).toBe(ExitCode.Usage);
  expect(await cli('trigger', 'no-such-playbook', '--resource', 'a:b', '--reason', 'r')).toBe(ExitCode.Usage);
  expect(await cli('approve', 'pending', '--as', 'operator')).toBe(ExitCode.Auth);
  expect(await cli('--token', 'wrong', 'list')).toBe(ExitCode.Auth);
  expect(await cli('--as', 'mallory', 'list')).toBe(ExitCode.Auth);
  expect(await runCli(['--api', 'http://127.0.0.1:1', 'list'])).toBe(ExitCode.Unavailable);
  expect(await cli('status', 'missing')).toBe(ExitCode.NotFoundOrConflict);
});

test('--help on a verb exits 0 and documents it', async () => {
  expect(await cli('pause', '--help')).toBe(ExitCode.Ok);
  expect(out).toContain('kill switch');
});
