/** The worked CI example stays consistent: workflow, scenario, committed baseline and policy. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePolicyText } from '../../../src/compare/policy.ts';
import { parseSummary } from '../../../src/report/summary.ts';
import { parseScenario } from '../../../src/scenario/load.ts';

const read = (file: string) => readFileSync(file, 'utf8');

describe('the ci-gate example', () => {
  const scenarioText = read('scenarios/ci-gate.yaml');
  const baseline = parseSummary(JSON.parse(read('reports/baselines/ci-gate/summary.json')), 'baseline');

  it('has a valid scenario with thresholds and abortOnFail, on the embedded target, under 20 s', () => {
    const r = parseScenario(scenarioText, 'scenarios/ci-gate.yaml', { env: {} });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.warnings).toEqual([]);
    expect(r.scenario.target.url).toBe('embedded');
    expect(r.scenario.stop.duration).toBeLessThanOrEqual(10_000);
    expect(Object.keys(r.scenario.thresholds ?? {}).length).toBeGreaterThan(3);
    expect(r.scenario.abortOnFail?.enabled).toBe(true);
  });

  it('has a baseline made by a complete run of exactly this scenario file (refresh it when the file changes)', () => {
    expect(baseline.scenario.name).toBe('ci-gate');
    expect(baseline.scenario.sha256).toBe(createHash('sha256').update(scenarioText).digest('hex'));
    expect(baseline.run.partial).toBe(false);
    expect(baseline.thresholds?.every((t) => t.ok)).toBe(true);
  });

  it('has a policy that parses', () => {
    const policy = parsePolicyText(read('reports/baselines/ci-gate/policy.yaml'), 'policy.yaml');
    expect(policy.tolerance).toBe(0.5);
    expect(policy.checks['*.p99']).toEqual({ floor: 250 });
    expect(policy.checks['*.p90']).toEqual({ floor: 100 });
  });

  it('has a workflow on Node 20 that runs, compares, publishes and fails the job', () => {
    const wf = parse(read('ci-examples/github-actions.yml'));
    const steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] = wf.jobs.gate.steps;
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(20);
    const script = steps.map((s) => s.run ?? '').join('\n');
    expect(script).toContain('npm ci');
    expect(script).toContain('node dist/cli.js run scenarios/ci-gate.yaml');
    expect(script).toMatch(/node dist\/cli\.js compare "\$BASELINE" [^\n]*\\\n *--markdown \S+ --junit /);
    expect(script).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(steps.some((s) => s.uses?.startsWith('mikepenz/action-junit-report'))).toBe(true);
    for (const path of Object.values(wf.jobs.gate.env as Record<string, string>))
      expect(existsSync(path), path).toBe(true);
  });
});
