// The `rebound` CLI (bin/rebound runs this with tsx). Every verb talks to the HTTP API with a
// bearer token, except `stack`, `demo` and `platform`, which hand over to their scripts.
import { Command, CommanderError, Option } from 'commander';
import { registerApprovalCommands } from './commands/approvals';
import { registerControlCommands } from './commands/control';
import { registerDelegateCommands } from './commands/delegates';
import { registerIncidentCommands } from './commands/incidents';
import { registerScheduleCommands } from './commands/schedules';
import { CliError, EXIT_CODES_HELP, ExitCode } from './exit-codes';

export function buildProgram(): Command {
  const program = new Command('rebound')
    .description('Rebound: infrastructure recovery as durable Temporal workflows')
    .addOption(
      new Option('--api <url>', 'API base URL')
        .env('REBOUND_API_URL')
        .default(undefined, 'http://$REBOUND_API_HOST:$REBOUND_API_PORT (127.0.0.1:8080)'),
    )
    .option('--token <token>', 'bearer token (default: REBOUND_TOKEN, else the dev token of --as)')
    .option(
      '--as <principal>',
      'use this principal from .rebound/dev-tokens.json (default operator; alice for approve/reject, admin for schedules apply)',
    )
    .option('--json', 'machine-readable output (the API body as JSON)')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
  registerIncidentCommands(program);
  registerApprovalCommands(program);
  registerControlCommands(program);
  registerScheduleCommands(program);
  registerDelegateCommands(program);
  // Every subcommand reports usage errors through the same exit-code mapping.
  const override = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().showHelpAfterError();
      override(sub);
    }
  };
  override(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`rebound: ${err.message}\n`);
      if (err.details !== undefined) process.stderr.write(`${JSON.stringify(err.details, null, 2)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`rebound: ${(err as Error).stack ?? String(err)}\n`);
    return ExitCode.Failure;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
