import { describe, expect, it } from 'vitest';
import { countTests, type VitestJsonReport } from '../../../.ci/test-counts.ts';

/** The shape vitest 4's JSON reporter wrote for a broken file, a failing test and a passing file. */
function report(over: Partial<VitestJsonReport> = {}): VitestJsonReport {
  return {
    numPassedTests: 29,
    numFailedTests: 1,
    numTotalTests: 30,
    numFailedTestSuites: 2,
    success: false,
    testResults: [
      // a syntax error: vitest reports the file failed with no test in it
      { name: 'test/tmp/broken.test.ts', status: 'failed', assertionResults: [] },
      {
        name: 'test/tmp/fail.test.ts',
        status: 'failed',
        assertionResults: [{ status: 'failed' }, { status: 'passed' }],
      },
      { name: 'test/unit/ota/range.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }] },
    ],
    ...over,
  };
}

describe('.ci/run closing counts', () => {
  it('counts a test file that fails to load as a failure, beside the failed tests', () => {
    expect(countTests(report())).toEqual({ passed: 29, failed: 2, total: 31 });
  });

  it('a run whose only failure is a file that fails to load still shows a failure', () => {
    const r = report({
      numPassedTests: 1,
      numFailedTests: 0,
      numTotalTests: 1,
      numFailedTestSuites: 1,
      testResults: [
        { name: 'test/tmp/broken.test.ts', status: 'failed', assertionResults: [] },
        { name: 'test/unit/a.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }] },
      ],
    });
    expect(countTests(r)).toEqual({ passed: 1, failed: 1, total: 2 });
  });

  it('a failed suite inside a file with no failed test (a describe hook) counts once', () => {
    const r = report({
      numPassedTests: 2,
      numFailedTests: 0,
      numTotalTests: 3,
      numFailedTestSuites: 1,
      testResults: [
        {
          name: 'test/unit/a.test.ts',
          status: 'passed',
          assertionResults: [{ status: 'passed' }, { status: 'passed' }, { status: 'skipped' }],
        },
      ],
    });
    expect(countTests(r).failed).toBe(1);
  });

  it('a green run shows no failure', () => {
    const r = report({
      numPassedTests: 3,
      numFailedTests: 0,
      numTotalTests: 3,
      numFailedTestSuites: 0,
      success: true,
      testResults: [{ name: 'a', status: 'passed', assertionResults: [{ status: 'passed' }] }],
    });
    expect(countTests(r)).toEqual({ passed: 3, failed: 0, total: 3 });
  });
});
