// The console's page logic without a browser: who is offered the decision buttons (and every way
// the page must not offer them), the list filters, the markdown reader (text only, never markup),
// the timeline's bars and their placement, durations. The browser test (test/e2e/console) covers
// the same through the real page; these pin the edge cases.
import { type PendingApproval } from '../../../console/src/api-types';
import { elapsedMs, formatDuration, formatTime } from '../../../console/src/format';
import { canDecide } from '../../../console/src/gate-rules';
import {
  apiQuery,
  EMPTY_FILTER,
  filterFromParams,
  filterToParams,
  matchesLocally,
} from '../../../console/src/list-filters';
import { parseInline, parseMarkdown, tableCells } from '../../../console/src/markdown';
import { buildTimeline, place, ticks } from '../../../console/src/timeline';
import { renderIncidentReport } from '../../../client/report/incident-report';
import { type IncidentView } from '../../../shared/api/schemas';

const gate = (over: Partial<PendingApproval> = {}): PendingApproval => ({
  id: 'point-of-no-return#1',
  step: 'point-of-no-return',
  question: 'Purge?',
  choices: [],
  allowedPrincipals: [],
  allowedRoles: ['approver'],
  quorum: 1,
  votes: [],
  deadline: '2026-11-30T00:00:00Z',
  onTimeout: 'compensate',
  ...over,
});

describe('who the page offers the decision buttons to', () => {
  const alice = { principal: 'alice', roles: ['approver', 'incidents:read'] };
  test('an approver the gate names, who did not start the recovery and has not voted', () => {
    expect(canDecide(gate(), alice, 'operator')).toEqual({ allowed: true });
    expect(canDecide(gate(), { principal: 'root', roles: ['admin'] }, 'operator')).toEqual({ allowed: true });
    expect(
      canDecide(gate({ allowedRoles: [], allowedPrincipals: ['alice'] }), alice, 'operator').allowed,
    ).toBe(true);
  });
  test.each([
    [
      'a token without the approver role',
      gate(),
      { principal: 'operator', roles: ['incidents:read', 'incidents:write'] },
      'dana',
      'lacks the approver role',
    ],
    [
      'the initiator, approver or not',
      gate(),
      { principal: 'dana', roles: ['approver', 'incidents:write'] },
      'dana',
      'you started',
    ],
    [
      'an approver the gate does not name',
      gate({ allowedRoles: [], allowedPrincipals: ['bob'] }),
      alice,
      'operator',
      'other approvers',
    ],
    ['an approver left out by restrictTo', gate({ restrictTo: ['bob'] }), alice, 'operator', 'only bob'],
    [
      'a second vote',
      gate({ votes: [{ principal: 'alice', decision: 'approve', at: '2026-11-29T00:00:00Z' }], quorum: 2 }),
      alice,
      'operator',
      'already voted',
    ],
  ])('not %s', (_what, g, who, initiator, reason) => {
    const v = canDecide(g, who, initiator);
    expect(v.allowed).toBe(false);
    expect(v.allowed ? '' : v.reason).toContain(reason);
  });
});

describe('list filters', () => {
  const row = {
    incidentId: 'i',
    runId: 'r',
    status: 'closed' as const,
    executionStatus: 'COMPLETED',
    outcome: 'recovered',
    startedAt: '2026-11-29T10:00:00Z',
  };
  const now = Date.parse('2026-11-29T12:00:00Z');
  test('round-trip through the address; unknown values fall back to "any"', () => {
    const f = {
      ...EMPTY_FILTER,
      status: 'running' as const,
      playbook: 'org-deletion',
      since: '24h' as const,
    };
    expect(filterFromParams(filterToParams(f))).toEqual(f);
    expect(filterFromParams(new URLSearchParams('status=bogus&since=99y'))).toEqual(EMPTY_FILTER);
  });
  test('status, playbook and resource go to the API; outcome and time stay local', () => {
    const q = new URLSearchParams(
      apiQuery({ ...EMPTY_FILTER, status: 'closed', resource: ' org:x ', outcome: 'failed', since: '1h' }),
    );
    expect(Object.fromEntries(q)).toEqual({ limit: '200', status: 'closed', resource: 'org:x' });
  });
  test('outcome and started-within', () => {
    expect(matchesLocally(row, { ...EMPTY_FILTER, outcome: 'recovered' }, now)).toBe(true);
    expect(matchesLocally(row, { ...EMPTY_FILTER, outcome: 'failed' }, now)).toBe(false);
    expect(matchesLocally(row, { ...EMPTY_FILTER, outcome: 'none' }, now)).toBe(false);
    expect(matchesLocally({ ...row, outcome: undefined }, { ...EMPTY_FILTER, outcome: 'none' }, now)).toBe(
      true,
    );
    expect(matchesLocally(row, { ...EMPTY_FILTER, since: '1h' }, now)).toBe(false);
    expect(matchesLocally(row, { ...EMPTY_FILTER, since: '24h' }, now)).toBe(true);
  });
});

describe('markdown reader', () => {
  test('bold, code and literal text; markup stays text', () => {
    expect(parseInline('a **b** `c` <img src=x onerror=alert(1)>')).toEqual([
      { text: 'a ' },
      { text: 'b', bold: true },
      { text: ' ' },
      { text: 'c', code: true },
      { text: ' <img src=x onerror=alert(1)>' },
    ]);
    expect(tableCells('| a \\| b | c |')).toEqual(['a | b', 'c']);
  });
  test('reads the incident report the API renders', () => {
    const view = {
      incidentId: 'incident:x',
      running: false,
      executionStatus: 'COMPLETED',
      alerts: [],
      repeats: 0,
      runs: [],
      incident: {
        workflowId: 'incident:x',
        playbook: 'health-probe',
        resource: 'stack:a|b',
        initiator: 'op',
        dryRun: false,
        phase: 'completed',
        paused: false,
        alertResolved: false,
        steps: [],
        decisions: [],
        compensations: [],
        result: { outcome: 'recovered', summary: 'ok' },
        startedAt: '2026-11-29T10:00:00Z',
        updatedAt: '2026-11-29T10:01:00Z',
      },
    } as unknown as IncidentView;
    const md = renderIncidentReport(view, [
      {
        workflow_id: 'incident:x',
        entry_key: 'k',
        kind: 'closed-recovered',
        actor: 'rebound',
        detail: { summary: 'a | b' },
        at: new Date('2026-11-29T10:01:00Z'),
      },
    ]);
    const blocks = parseMarkdown(md);
    expect(blocks[0]).toEqual({ kind: 'heading', level: 1, runs: [{ text: 'Incident report: incident:x' }] });
    const table = blocks.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.header.map((c) => c[0].text)).toEqual([
      'time',
      'workflow',
      'event',
      'actor',
      'detail',
    ]);
    expect(table?.kind === 'table' && table.rows[0].map((c) => c.map((r) => r.text).join(''))).toEqual([
      '2026-11-29T10:01:00.000Z',
      'incident',
      'closed-recovered',
      'rebound',
      'a | b',
    ]);
    expect(blocks.some((b) => b.kind === 'list')).toBe(true);
  });
});

describe('timeline', () => {
  const t0 = Date.parse('2026-11-29T10:00:00Z');
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const base = {
    workflowId: 'incident:x',
    playbook: 'org-deletion',
    resource: 'org:1',
    initiator: 'op',
    dryRun: false,
    phase: 'running',
    paused: false,
    decisions: [],
    compensations: [],
    startedAt: at(0),
    updatedAt: at(0),
  };
  const view = {
    incidentId: 'incident:x',
    episodeId: 'incident:x#r1',
    running: true,
    executionStatus: 'RUNNING',
    alerts: [],
    repeats: 0,
    runs: [],
    incident: {
      ...base,
      steps: [
        {
          name: 'start:run-1',
          state: 'succeeded' as const,
          attempts: 1,
          destructive: false,
          startedAt: at(0),
          finishedAt: at(1),
        },
      ],
    },
    playbook: {
      ...base,
      workflowId: 'incident:x#r1/run-1',
      steps: [
        {
          name: 'soft-delete',
          state: 'succeeded' as const,
          attempts: 3,
          destructive: false,
          startedAt: at(1),
          finishedAt: at(5),
          lastError: 'timeout',
        },
        { name: 'purge', state: 'running' as const, attempts: 1, destructive: true, startedAt: at(20) },
      ],
      decisions: [
        {
          approvalId: 'g#1',
          step: 'g',
          outcome: 'approved' as const,
          votes: [{ principal: 'alice', decision: 'approve' as const, at: at(18) }],
          at: at(18),
        },
      ],
      compensations: [],
    },
  };
  const audit = [
    {
      workflowId: 'incident:x#r1/run-1',
      entryKey: 'approval:g#1:requested',
      kind: 'approval-requested',
      actor: 'rebound',
      detail: {},
      at: at(6),
    },
    {
      workflowId: 'incident:x#r1/run-1',
      entryKey: 'pause:1',
      kind: 'paused',
      actor: 'op',
      detail: { reason: 'failover' },
      at: at(8),
    },
    {
      workflowId: 'incident:x#r1/run-1',
      entryKey: 'resume:2',
      kind: 'resumed',
      actor: 'op',
      detail: {},
      at: at(12),
    },
    {
      workflowId: 'incident:x#r1/run-1',
      entryKey: 'pause:3',
      kind: 'paused',
      actor: 'op',
      detail: {},
      at: at(22),
    },
  ];
  test('steps, the approval wait, kill-switch pauses, open bars up to now', () => {
    const tl = buildTimeline(view, audit, t0 + 30_000);
    const by = (label: string) => tl.bars.filter((b) => b.label === label);
    expect(by('soft-delete')[0]).toMatchObject({
      lane: 'playbook',
      kind: 'step',
      attempts: 3,
      error: 'timeout',
      end: t0 + 5000,
    });
    expect(by('approval g#1')[0]).toMatchObject({
      kind: 'approval',
      state: 'approved',
      start: t0 + 6000,
      end: t0 + 18_000,
      open: false,
      detail: 'votes: alice approve',
    });
    expect(by('kill switch').map((b) => [b.start - t0, b.end - t0, b.open, b.detail])).toEqual([
      [8000, 12_000, false, 'paused: failover'],
      [22_000, 30_000, true, 'paused'],
    ]);
    expect(by('purge')[0]).toMatchObject({ open: true, end: t0 + 30_000 });
    expect(by('start:run-1')[0].lane).toBe('incident');
    expect([tl.from, tl.to]).toEqual([t0, t0 + 30_000]);
    expect(tl.bars.map((b) => b.start)).toEqual([...tl.bars.map((b) => b.start)].sort((a, b) => a - b));
  });
  test('a gate still pending is open; placement stays on the axis', () => {
    const pending = {
      ...view,
      playbook: { ...view.playbook, decisions: [], pendingApproval: gate({ id: 'g#1' }) },
    };
    const bar = buildTimeline(pending, audit, t0 + 40_000).bars.find((b) => b.kind === 'approval')!;
    expect(bar).toMatchObject({ state: 'pending', open: true, end: t0 + 40_000 });
    const axis = { from: t0, to: t0 + 100_000 };
    expect(place({ start: t0, end: t0 + 50_000 }, axis)).toEqual({ left: 0, width: 50 });
    const tiny = place({ start: t0 + 100_000, end: t0 + 100_000 }, axis);
    expect(tiny.left + tiny.width).toBeLessThanOrEqual(100);
    expect(tiny.width).toBeGreaterThan(0);
    expect(ticks(axis, 3)).toEqual([t0, t0 + 50_000, t0 + 100_000]);
  });
});

test('times in UTC and compact durations', () => {
  expect(formatTime('2026-11-29T14:27:09.906Z')).toBe('2026-11-29 14:27:09Z');
  expect(formatTime('nonsense')).toBe('');
  expect([850, 42_000, 185_000, 7_620_000, 273_600_000].map(formatDuration)).toEqual([
    '850ms',
    '42s',
    '3m 05s',
    '2h 07m',
    '3d 04h',
  ]);
  expect(elapsedMs('2026-11-29T00:00:00Z', '2026-11-29T00:01:00Z', 0)).toBe(60_000);
});
