// The kill switch: pause stops every running recovery before its next mutating step.
import { type Command } from 'commander';
import { type ControlState } from '../../../shared/api/schemas';
import { CliContext } from '../context';
import { formatControl } from '../format';

export function registerControlCommands(program: Command): void {
  program
    .command('pause')
    .description('kill switch: every running recovery stops before its next mutating step and waits')
    .option('--reason <text>', 'why (shown in status and the audit log)')
    .action(async (opts: { reason?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const state = await ctx
        .api()
        .request<ControlState>('POST', '/v1/control/pause', opts.reason ? { reason: opts.reason } : {});
      ctx.print(state, () => formatControl(state));
    });
  program
    .command('resume')
    .description('release the kill switch: paused recoveries continue')
    .option('--reason <text>', 'why (kept with the state and in the audit log)')
    .action(async (opts: { reason?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd);
      const state = await ctx
        .api()
        .request<ControlState>('POST', '/v1/control/resume', opts.reason ? { reason: opts.reason } : {});
      ctx.print(state, () => formatControl(state));
    });
}
