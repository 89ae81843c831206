/**
 * The closing figures of `.ci/run`, from vitest's JSON report: passed tests, and failures counted so
 * that a test file that fails to load (a syntax error, a missing import) or a failing
 * beforeAll/afterAll counts too — vitest reports those in numFailedTestSuites, not in numFailedTests.
 * Usage: tsx .ci/test-counts.ts .vitest-results.json  → prints "<passed> <failed> <total>".
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The part of vitest's JSON report read here. */
export interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numTotalTests: number;
  numFailedTestSuites: number;
  success: boolean;
  testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
}

/** Passed and failed counts of a run; `failed` includes every failed file without a failed test. */
export interface TestCounts {
  passed: number;
  failed: number;
  total: number;
}

/** Counts a vitest JSON report: failed tests plus failed test files that have no failed test inside. */
export function countTests(r: VitestJsonReport): TestCounts {
  const brokenFiles = r.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed'),
  ).length;
  let failed = r.numFailedTests + brokenFiles;
  // a failed suite inside a file whose tests all passed or were skipped (e.g. a describe's hook)
  if (failed === 0 && (r.numFailedTestSuites > 0 || !r.success)) failed = 1;
  return { passed: r.numPassedTests, failed, total: r.numTotalTests + brokenFiles };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? '.vitest-results.json';
  const c = countTests(JSON.parse(readFileSync(file, 'utf8')) as VitestJsonReport);
  console.log(`${c.passed} ${c.failed} ${c.total}`);
}
