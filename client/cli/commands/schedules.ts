// schedules apply | list: the declared schedules (config/schedules.yaml) as Temporal Schedules.
import { type Command } from 'commander';
import { type ScheduleApplyResult, type ScheduleView } from '../../../shared/api/schemas';
import { CliContext } from '../context';
import { formatApply, formatSchedules } from '../format';

export function registerScheduleCommands(program: Command): void {
  const schedules = program.command('schedules').description('periodic reconciliation schedules');
  schedules
    .command('apply')
    .description('create or update the declared schedules in Temporal (needs admin; defaults to --as admin)')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const result = await ctx.api('admin').request<ScheduleApplyResult>('PUT', '/v1/schedules');
      ctx.print(result, () => formatApply(result));
    });
  schedules
    .command('list')
    .description('the declared schedules and their state in Temporal')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const { schedules: list } = await ctx
        .api()
        .request<{ schedules: ScheduleView[] }>('GET', '/v1/schedules');
      ctx.print(list, () => formatSchedules(list));
    });
}
