// The end of a long test log, written for a reader who sees only that end: CI keeps the tail of
// the output, and a suite that failed 15 minutes before the fault tests finished was out of it
// (the run exited 1 with nothing on screen saying why). Jest's --json result of each phase is
// reduced to the files and tests that failed, each with the first lines of its error.
import { stripVTControlCharacters } from 'node:util';

/** The parts of Jest's `--json` output (AggregatedResult) this summary reads. */
export interface JestJsonResult {
  numFailedTestSuites: number;
  numFailedTests: number;
  numTotalTests: number;
  testResults: Array<{
    name: string;
    /** 'passed' or 'failed' (Jest also knows others, such as 'pending'). */
    status: string;
    /** The file's error outside its tests (a hook, a compile error) or of its failed tests. */
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}

/** Lines kept of each error: enough for the message and the first frame of its stack. */
export const ERROR_LINES = 8;

function firstLines(text: string, cwd: string): string[] {
  return stripVTControlCharacters(text)
    .split('\n')
    .map((l) => l.replaceAll(`${cwd}/`, '').trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(0, ERROR_LINES)
    .map((l) => `      ${l.trim()}`);
}

/**
 * Lines naming each failed file (path relative to `cwd`), each failed test in it with the head of
 * its error, and a file error outside any test (a throwing afterAll) when no test failed.
 * Empty when the phase passed.
 */
export function summarizeFailures(phase: string, result: JestJsonResult, cwd: string): string[] {
  const lines: string[] = [];
  for (const file of result.testResults) {
    if (file.status !== 'failed') continue;
    lines.push(`  FAIL ${file.name.replace(`${cwd}/`, '')}`);
    const failedTests = file.assertionResults.filter((t) => t.status === 'failed');
    for (const t of failedTests) {
      lines.push(`    ✕ ${t.fullName}`);
      lines.push(...firstLines((t.failureMessages ?? []).join('\n'), cwd));
    }
    if (failedTests.length === 0)
      lines.push('    (no test failed: an error outside the tests)', ...firstLines(file.message ?? '', cwd));
  }
  if (lines.length === 0 && result.numFailedTestSuites === 0 && result.numFailedTests === 0) return [];
  return [
    `${phase}: ${result.numFailedTestSuites} file(s) failed, ${result.numFailedTests} of ${result.numTotalTests} test(s)`,
    ...lines,
  ];
}
