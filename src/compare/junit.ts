/**
 * JUnit XML of a comparison (one test case per check, a <failure> for each regression) and of a
 * run's thresholds (one test case per expression). The common shape that GitHub test-report actions,
 * GitLab, Jenkins and Azure read: <testsuites> of <testsuite> of <testcase>. Pure.
 */
import type { ComparisonItem, ComparisonSummary, ThresholdResult } from '../metrics/run-summary.ts';
import { formatObserved, formatThresholdObserved } from '../report/format.ts';
import { formatChange } from './render.ts';

/** What the JUnit file holds: the scenario name, the run start and either part or both. */
export interface JUnitInput {
  scenario: string;
  /** This run's start, ISO-8601 (the suites' timestamp). */
  startedAt: string;
  comparison?: ComparisonSummary;
  thresholds?: readonly ThresholdResult[];
}

// XML 1.0 allows tab, newline, carriage return and characters from U+0020 (surrogates handled by the u flag).
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for an XML attribute or element, dropping characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

interface Case {
  name: string;
  classname: string;
  failure?: { type: string; message: string; details: string };
  out: string;
}

function comparisonCase(i: ComparisonItem, classname: string): Case {
  const line = `${formatObserved(i.baseline, i.unit)} -> ${formatObserved(i.current, i.unit)} (${formatChange(i.change)}): ${i.message ?? i.status ?? ''}`;
  const c: Case = { name: i.metric, classname, out: `${i.metric}: ${line}` };
  if (!i.ok) {
    const status = i.status ?? 'regressed';
    c.failure = {
      type: status,
      message: `${i.metric} ${status}: ${line}`,
      details: `baseline: ${formatObserved(i.baseline, i.unit)}\nthis run: ${formatObserved(i.current, i.unit)}\nchange: ${formatChange(i.change)}\n${i.message ?? ''}`,
    };
  }
  return c;
}

function thresholdCase(t: ThresholdResult, classname: string): Case {
  const line = `${t.metric} ${t.expression}: observed ${formatThresholdObserved(t)}`;
  const c: Case = { name: `${t.metric} ${t.expression}`, classname, out: line };
  if (!t.ok) c.failure = { type: 'threshold', message: `threshold failed: ${line}`, details: line };
  return c;
}

function suite(name: string, cases: readonly Case[], timestamp: string): string[] {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const head = `  <testsuite${attrs({ name, tests: cases.length, failures, errors: 0, skipped: 0, time: 0, timestamp })}>`;
  const body = cases.map((c) => {
    const open = `    <testcase${attrs({ name: c.name, classname: c.classname, time: 0 })}>`;
    const inner = c.failure
      ? `      <failure${attrs({ message: c.failure.message, type: c.failure.type })}>${xmlEscape(c.failure.details)}</failure>`
      : `      <system-out>${xmlEscape(c.out)}</system-out>`;
    return `${open}\n${inner}\n    </testcase>`;
  });
  return [head, ...body, '  </testsuite>'];
}

/** `2026-01-02T03:04:05` (UTC, no zone or fraction), the timestamp form the JUnit schema expects. */
function junitTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00' : d.toISOString().slice(0, 19);
}

/** Renders the JUnit XML document (UTF-8, ends with a newline). */
export function renderJUnit(input: JUnitInput): string {
  const timestamp = junitTimestamp(input.startedAt);
  const safe = input.scenario.replace(/[^A-Za-z0-9_-]/g, '_');
  const suites: string[][] = [];
  const all: Case[] = [];
  if (input.comparison !== undefined) {
    const cases = input.comparison.items.map((i) => comparisonCase(i, `ota-fleet.compare.${safe}`));
    all.push(...cases);
    suites.push(
      suite(`ota-fleet compare ${input.scenario} vs ${input.comparison.baseline}`, cases, timestamp),
    );
  }
  if (input.thresholds !== undefined && input.thresholds.length > 0) {
    const cases = input.thresholds.map((t) => thresholdCase(t, `ota-fleet.thresholds.${safe}`));
    all.push(...cases);
    suites.push(suite(`ota-fleet thresholds ${input.scenario}`, cases, timestamp));
  }
  const failures = all.filter((c) => c.failure !== undefined).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'ota-fleet', tests: all.length, failures, errors: 0, time: 0 })}>`,
    ...suites.flat(),
    '</testsuites>',
    '',
  ].join('\n');
}
