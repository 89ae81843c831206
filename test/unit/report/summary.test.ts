import { describe, expect, it } from 'vitest';
import { parseSummary, SCHEMA_VERSION, summaryVerdict } from '../../../src/report/summary.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

/** A JSON round trip, as a summary travels through summary.json. */
const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('parseSummary', () => {
  it('accepts a summary written by the aggregator, unchanged', () => {
    const s = createExampleSummary({ thresholds: true, partial: true });
    expect(parseSummary(viaJson(s))).toEqual(viaJson(s));
    expect(parseSummary(viaJson(createExampleSummary({ rollout: false })))).not.toHaveProperty('rollout');
  });

  it('rejects another schemaVersion naming both versions', () => {
    const s = { ...viaJson(createExampleSummary()), schemaVersion: 2 };
    expect(() => parseSummary(s, 'old/summary.json')).toThrowError(
      expect.objectContaining({
        code: 'ERR_USAGE',
        message: `old/summary.json: summary schemaVersion 2 is not supported; this ota-fleet reads schemaVersion ${SCHEMA_VERSION}`,
      }),
    );
  });

  it('rejects JSON that is not a summary', () => {
    expect(() => parseSummary([])).toThrow(/not an ota-fleet summary \(expected a JSON object\)/);
    expect(() => parseSummary({ hello: 1 })).toThrow(/no schemaVersion field/);
  });

  it('lists every wrong field with its path', () => {
    const s = viaJson(createExampleSummary()) as unknown as Record<string, Record<string, unknown>>;
    s['totals']!['requests'] = 'many';
    delete s['run']!['startedAt'];
    let message = '';
    try {
      parseSummary(s, 'x.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^x\.json: invalid ota-fleet summary:/);
    expect(message).toContain('totals.requests:');
    expect(message).toContain('run.startedAt:');
  });

  it('keeps fields it does not know', () => {
    const s = { ...viaJson(createExampleSummary()), extra: { from: 'a newer writer' } };
    expect(parseSummary(s)).toHaveProperty('extra', { from: 'a newer writer' });
  });
});

describe('summaryVerdict', () => {
  it('fails on a failed threshold and says how many', () => {
    expect(summaryVerdict(createExampleSummary({ thresholds: true }))).toEqual({
      status: 'failed',
      partial: false,
      reasons: ['1 of 2 thresholds failed'],
    });
  });

  it('is completed without thresholds and flags a partial run', () => {
    expect(summaryVerdict(createExampleSummary({ partial: true }))).toEqual({
      status: 'completed',
      partial: true,
      reasons: ['partial run (interrupted)'],
    });
  });

  it('reports a regression from the comparison', () => {
    const s = createExampleSummary();
    s.comparison = {
      baseline: 'base.json',
      ok: false,
      items: [{ metric: 'p99', baseline: 1, current: 2, change: 1, ok: false }],
    };
    expect(summaryVerdict(s).status).toBe('regressed');
  });
});
