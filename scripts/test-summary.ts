// Prints the failures of the test command's Jest phases as the last lines of its output.
//   npx tsx scripts/test-summary.ts <phase>=<jest --json file> [...]
// A phase whose file is missing (Jest never wrote it: killed, or it did not start) is said so.
import { existsSync, readFileSync } from 'node:fs';
import { summarizeFailures, type JestJsonResult } from '../test/support/jest-summary';

function main(args: string[]): number {
  const lines: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new Error(`expected <phase>=<file>, got "${arg}"`);
    const phase = arg.slice(0, eq);
    const file = arg.slice(eq + 1);
    if (!existsSync(file)) {
      lines.push(`${phase}: no result (${file} was not written: Jest did not finish)`);
      continue;
    }
    const result = JSON.parse(readFileSync(file, 'utf8')) as JestJsonResult;
    lines.push(...summarizeFailures(phase, result, process.cwd()));
  }
  console.log(lines.length === 0 ? 'every test phase passed' : lines.join('\n'));
  return lines.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
