// The test command's closing summary names every failed file and test, and an error outside the
// tests, from Jest's --json result; a passing phase prints nothing.
import { ERROR_LINES, summarizeFailures, type JestJsonResult } from '../../support/jest-summary';

const cwd = '/repo';

function result(testResults: JestJsonResult['testResults']): JestJsonResult {
  const failedTests = testResults.flatMap((f) => f.assertionResults).filter((t) => t.status === 'failed');
  return {
    numFailedTestSuites: testResults.filter((f) => f.status === 'failed').length,
    numFailedTests: failedTests.length,
    numTotalTests: testResults.flatMap((f) => f.assertionResults).length,
    testResults,
  };
}

test('a passing phase gives no lines', () => {
  const passed = result([
    {
      name: '/repo/test/a.test.ts',
      status: 'passed',
      assertionResults: [{ fullName: 'a', status: 'passed' }],
    },
  ]);
  expect(summarizeFailures('unit', passed, cwd)).toEqual([]);
});

test('names the failed test with the head of its error, without colour codes or the checkout path', () => {
  const longError = [
    '\u001b[31mError: expect(received).toBe(expected)\u001b[39m',
    '',
    ...Array.from({ length: 20 }, (_, i) => `    at frame${i} (/repo/test/a.test.ts:${i}:1)`),
  ].join('\n');
  const lines = summarizeFailures(
    'integration',
    result([
      {
        name: '/repo/test/a.test.ts',
        status: 'failed',
        assertionResults: [
          { fullName: 'stays green', status: 'passed' },
          { fullName: 'the consumer restarts', status: 'failed', failureMessages: [longError] },
        ],
      },
      {
        name: '/repo/test/b.test.ts',
        status: 'passed',
        assertionResults: [{ fullName: 'b', status: 'passed' }],
      },
    ]),
    cwd,
  );
  expect(lines[0]).toBe('integration: 1 file(s) failed, 1 of 3 test(s)');
  expect(lines[1]).toBe('  FAIL test/a.test.ts');
  expect(lines[2]).toBe('    ✕ the consumer restarts');
  expect(lines[3]).toBe('      Error: expect(received).toBe(expected)');
  expect(lines[4]).toBe('      at frame0 (test/a.test.ts:0:1)');
  expect(lines).toHaveLength(3 + ERROR_LINES);
  expect(lines.join('\n')).not.toContain('b.test.ts');
});

test('a file that failed with every test passing shows its error outside the tests', () => {
  const lines = summarizeFailures(
    'faults',
    result([
      {
        name: '/repo/test/faults/x.test.ts',
        status: 'failed',
        message: '  ● Test suite failed to run\n\n    clean-up failed in 1 step(s):\n    stack up: timeout',
        assertionResults: [{ fullName: 'x', status: 'passed' }],
      },
    ]),
    cwd,
  );
  expect(lines).toEqual([
    'faults: 1 file(s) failed, 0 of 1 test(s)',
    '  FAIL test/faults/x.test.ts',
    '    (no test failed: an error outside the tests)',
    '      ● Test suite failed to run',
    '      clean-up failed in 1 step(s):',
    '      stack up: timeout',
  ]);
});
