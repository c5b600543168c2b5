// Verbs that hand over to another program: `stack` (scripts/stack/stack.sh), `demo`
// (scripts/demo.sh) and `platform org create` (platform/org/create-command.ts). Their exit code
// is the CLI's exit code.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type Command } from 'commander';
import { REPO_ROOT } from '../../../shared/paths';
import { CliError, ExitCode } from '../exit-codes';

function runScript(script: string, args: string[]): void {
  const res = spawnSync('bash', [join(REPO_ROOT, script), ...args], { stdio: 'inherit', cwd: REPO_ROOT });
  if (res.error) throw new CliError(ExitCode.Unavailable, `cannot run ${script}: ${res.error.message}`);
  process.exitCode = res.status ?? ExitCode.Failure;
}

type OrgCreateCommand = (argv: string[]) => Promise<number>;
type RegionsDivergeCommand = (argv: string[]) => Promise<number>;

function loadRegionsDiverge(): RegionsDivergeCommand {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../../../platform/regions/diverge-command') as {
      regionsDivergeCommand?: RegionsDivergeCommand;
    };
    if (typeof mod.regionsDivergeCommand === 'function') return mod.regionsDivergeCommand;
    throw new Error('platform/regions/diverge-command.ts does not export regionsDivergeCommand');
  } catch (err) {
    throw new CliError(
      ExitCode.Unavailable,
      `platform regions diverge is not available: ${(err as Error).message}`,
    );
  }
}

/** Loaded on use so the CLI starts even when the platform module is absent or broken. */
function loadOrgCreate(): OrgCreateCommand {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../../../platform/org/create-command') as { orgCreateCommand?: OrgCreateCommand };
    if (typeof mod.orgCreateCommand === 'function') return mod.orgCreateCommand;
    throw new Error('platform/org/create-command.ts does not export orgCreateCommand');
  } catch (err) {
    throw new CliError(
      ExitCode.Unavailable,
      `platform org create is not available: ${(err as Error).message}`,
    );
  }
}

export function registerDelegateCommands(program: Command): void {
  const stack = program
    .command('stack')
    .description('the local stack (Temporal, PostgreSQL, Redis, Kafka, worker, API)');
  const verbs: [string, string][] = [
    [
      'up',
      'install what is missing, start everything, wait until it answers, apply migrations, write dev tokens',
    ],
    ['down', 'stop every process of the stack that this checkout started'],
    ['status', 'show each part and whether it answers (exit 3 when any part is down)'],
    ['reset', "stop the stack and delete this checkout's data (.rebound/); the per-user tool caches stay"],
  ];
  for (const [verb, description] of verbs)
    stack
      .command(verb)
      .description(description)
      .action(() => runScript('scripts/stack/stack.sh', [verb]));

  program
    .command('demo')
    .description('start the stack and run the demo (scripts/demo.sh); extra arguments are passed on')
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action((args: string[]) => runScript('scripts/demo.sh', args));

  const platform = program.command('platform').description('the reference platform Rebound recovers');
  const org = platform.command('org').description('organisations of the reference platform');
  org
    .command('create')
    .description(
      'create a populated org and print its id: --members N --workflows N --notifications N [--json]',
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[], _opts: unknown, cmd: Command) => {
      // The program-wide --json is parsed by the program itself; hand it on.
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
      process.exitCode = await loadOrgCreate()(json && !args.includes('--json') ? [...args, '--json'] : args);
    });
  platform
    .command('regions')
    .description('the two regions of the replicated datasets (partition-merge)')
    .command('diverge')
    .description(
      'diverge the regions: --keys N --divergence P [--conflicts Q] [--deletes R] [--manual S] [--json]',
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[], _opts: unknown, cmd: Command) => {
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
      process.exitCode = await loadRegionsDiverge()(
        json && !args.includes('--json') ? [...args, '--json'] : args,
      );
    });
}
