// Option parsing for the project's commands (scripts/*.ts, bench/*.ts): node:util's parseArgs,
// plus `-h`/`--help`, which prints the command's own header comment (the one place its usage is
// written down, so the help cannot drift from it), and a plain message instead of a stack trace
// for an unknown option or a missing value.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed option values of `options` (parseArgs' own result type). */
export type CommandValues<O extends Options> = ReturnType<typeof parseArgs<{ options: O }>>['values'];

/**
 * The leading `//` comment block of a source file, without the comment markers: a command's usage
 * as its file documents it. Stops at the first line that is not a comment (imports, code).
 */
export function headerComment(sourceFile: string): string {
  const lines: string[] = [];
  for (const line of readFileSync(sourceFile, 'utf8').split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  return lines.join('\n');
}

/**
 * Parses `o.argv` (default: this process's arguments) against `options`. `-h`/`--help` prints
 * `o.usage()` if given, else the header comment of `sourceFile`, and exits 0; an unknown option, a
 * positional argument or a missing value prints the problem and a pointer to `--help` on stderr
 * and exits 2. Never throws.
 */
export function parseCommandLine<O extends Options>(
  sourceFile: string,
  options: O,
  o: { usage?: () => string; argv?: string[] } = {},
): CommandValues<O> {
  const argv = o.argv ?? process.argv.slice(2);
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(o.usage ? o.usage() : headerComment(sourceFile));
    process.exit(0);
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n(see --help)`);
    process.exit(2);
  }
}

/**
 * A numeric option's value: a finite number from `min` (default 1) to `max` (default none), an
 * integer unless `integer` is false. Prints `--name: expected …, got "…"` and exits 2 otherwise,
 * so `--rows 10k` never runs as NaN rows.
 */
export function numberOption(
  value: string | undefined,
  name: string,
  o: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const min = o.min ?? 1;
  const max = o.max ?? Infinity;
  const integer = o.integer ?? true;
  const n = value === undefined || value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    console.error(
      `--${name}: expected ${integer ? 'an integer' : 'a number'} ${range}, got "${value ?? ''}"`,
    );
    process.exit(2);
  }
  return n;
}

/**
 * A choice option's value: undefined when not given, else one of `choices`. Prints `--name:
 * expected one of a, b, got "…"` and exits 2 otherwise, so a misspelt `--only` never runs
 * everything instead.
 */
export function choiceOption<C extends string>(
  value: string | undefined,
  name: string,
  choices: readonly C[],
): C | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as C;
  console.error(`--${name}: expected one of ${choices.join(', ')}, got "${value}"`);
  process.exit(2);
}
