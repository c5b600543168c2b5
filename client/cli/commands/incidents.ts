// Incident verbs: trigger, list, status, cancel, report.
import { type Command, Option } from 'commander';
import { type IncidentSummary, type IncidentView } from '../../../shared/api/schemas';
import { PLAYBOOK_NAMES } from '../../../shared/playbook';
import { incidentPath } from '../api-client';
import { CliContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { formatIncident, formatList, incidentOutcome } from '../format';

/** Outcomes a script may treat as success. */
const GOOD_OUTCOMES = new Set(['recovered', 'resolved-before-action']);

function collectParam(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CliError(ExitCode.Usage, `--param expects key=value, got ${JSON.stringify(value)}`);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: keep the plain string (durations such as 15s, names).
  }
  return { ...previous, [value.slice(0, eq)]: parsed };
}

function parseParams(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  try {
    const value: unknown = JSON.parse(json);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new CliError(ExitCode.Usage, `--params must be a JSON object, got ${json}`);
}

/**
 * Polls the incident (every 1 s) until it closes or hands over to a person (phase `needs-human`:
 * automation has stopped and only a human or the alert's resolution moves it on, so waiting longer
 * would only run into the timeout); returns the last view.
 * @throws CliError (exit 1) when it is still running after `timeoutSeconds`.
 */
async function waitForClose(ctx: CliContext, id: string, timeoutSeconds: number): Promise<IncidentView> {
  const api = ctx.api();
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const view = await api.request<IncidentView>('GET', incidentPath(id));
    if (!view.running || view.incident.phase === 'needs-human') return view;
    if (Date.now() > deadline)
      throw new CliError(
        ExitCode.Failure,
        `incident ${id} still running after ${timeoutSeconds}s (phase ${view.incident.phase})`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function printFinal(ctx: CliContext, view: IncidentView): void {
  ctx.print(view, () => formatIncident(view));
  const outcome = incidentOutcome(view);
  if (!outcome || !GOOD_OUTCOMES.has(outcome)) process.exitCode = ExitCode.Failure;
}

export function registerIncidentCommands(program: Command): void {
  program
    .command('trigger')
    .description('start a recovery by hand (attaches to the incident already running for the resource)')
    .argument('<playbook>', `playbook name: ${PLAYBOOK_NAMES.join(', ')}`)
    .requiredOption('-r, --resource <kind:id>', 'the resource to recover, e.g. group:notification-consumer')
    .requiredOption('--reason <text>', 'why (kept in the audit log and the report)')
    .option('-p, --params <json>', 'playbook parameters as a JSON object')
    .option(
      '--param <key=value>',
      'one parameter (repeatable; value parsed as JSON when it is)',
      collectParam,
      {},
    )
    .option('--dry-run', 'report the plan and its effects; change nothing')
    .option('--wait', 'wait until the incident closes or needs a human; exit 1 unless it recovered')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .action(
      async (
        playbook: string,
        opts: {
          resource: string;
          reason: string;
          params?: string;
          param: Record<string, unknown>;
          dryRun?: boolean;
          wait?: boolean;
          timeout: string;
        },
        cmd: Command,
      ) => {
        const ctx = CliContext.of(cmd);
        const body = {
          playbook,
          resource: opts.resource,
          params: { ...parseParams(opts.params), ...opts.param },
          reason: opts.reason,
          dryRun: opts.dryRun === true,
        };
        const result = await ctx
          .api()
          .request<{ incidentId: string; action: string; notice?: string }>('POST', '/v1/incidents', body);
        // Attached to the incident in flight: say which settings of this trigger do not apply.
        if (result.notice && result.action === 'attached' && !ctx.json)
          process.stderr.write(`${result.notice}\n`);
        if (!opts.wait) {
          ctx.print(result, () => `${result.action} ${result.incidentId}`);
          return;
        }
        if (!ctx.json)
          process.stderr.write(`${result.action} ${result.incidentId}, waiting for it to close…\n`);
        printFinal(ctx, await waitForClose(ctx, result.incidentId, Number(opts.timeout)));
      },
    );

  program
    .command('list')
    .description('list incidents: running ones first, then closed ones, each newest first')
    .addOption(new Option('--status <status>', 'running or closed').choices(['running', 'closed']))
    .option('--playbook <name>', 'only this playbook')
    .option('--resource <kind:id>', 'only this resource')
    .option('--limit <n>', 'at most this many', '50')
    .action(
      async (
        opts: { status?: string; playbook?: string; resource?: string; limit: string },
        cmd: Command,
      ) => {
        const ctx = CliContext.of(cmd);
        const q = new URLSearchParams();
        for (const key of ['status', 'playbook', 'resource', 'limit'] as const)
          if (opts[key]) q.set(key, opts[key]);
        const { incidents } = await ctx
          .api()
          .request<{ incidents: IncidentSummary[] }>('GET', `/v1/incidents?${q.toString()}`);
        ctx.print(incidents, () => formatList(incidents));
      },
    );

  program
    .command('status')
    .description(
      "an incident's live state: phase, steps with attempts and errors, pending approval, compensations, result",
    )
    .argument('<incident-id>', 'the incident id, e.g. consumer-safe-mode-restart:group:notification-consumer')
    .option('--wait', 'wait until the incident closes or needs a human; exit 1 unless it recovered')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .action(async (id: string, opts: { wait?: boolean; timeout: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      if (opts.wait) return printFinal(ctx, await waitForClose(ctx, id, Number(opts.timeout)));
      const view = await ctx.api().request<IncidentView>('GET', incidentPath(id));
      ctx.print(view, () => formatIncident(view));
    });

  program
    .command('cancel')
    .description('cancel an incident; its compensations run')
    .argument('<incident-id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const result = await ctx.api().request<unknown>('POST', incidentPath(id, '/cancel'));
      ctx.print(result, () => `cancellation requested for ${id}`);
    });

  program
    .command('report')
    .description('the incident report and timeline in markdown')
    .argument('<incident-id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const markdown = await ctx.api().request<string>('GET', incidentPath(id, '/report'));
      ctx.print({ incidentId: id, markdown }, () => markdown.trimEnd());
    });
}
