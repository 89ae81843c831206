import { afterEach, describe, expect, it } from 'vitest';
import { createAggregator } from '../../../src/metrics/aggregator.ts';
import { createRecorder, type Recorder } from '../../../src/metrics/recorder.ts';
import type { FreshSummary, RunMeta } from '../../../src/metrics/run-summary.ts';
import { renderHtml } from '../../../src/report/render-html.ts';
import { renderMarkdown } from '../../../src/report/render-markdown.ts';
import { renderText } from '../../../src/report/render-text.ts';
import { parseSummary } from '../../../src/report/summary.ts';
import { judgeRun, verdictOf } from '../../../src/report/verdict.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const META: RunMeta = {
  scenario: { name: 'wrong-key', file: 'scenarios/external-target.yaml', source: 'name: wrong-key\n' },
  run: {
    id: 'r1',
    seed: 1,
    target: { url: 'http://127.0.0.1:8080', embedded: false, dialect: 'studio' },
    workers: 2,
    devices: 100,
    endedAtMs: T0 + 10_000,
  },
};

const open: Recorder[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

/** Runs `record` in two worker recorders and builds the summary through the real aggregator. */
function summaryOf(record: (r: Recorder, worker: number) => void): FreshSummary {
  const agg = createAggregator({ startedAtMs: T0 });
  for (const w of [0, 1]) {
    const r = createRecorder({ wasm: false, startMs: T0 });
    open.push(r);
    record(r, w);
    agg.add(r.snapshot(T0 + 1000), `w${w}`);
  }
  return agg.finish(META);
}

function wrongKey(r: Recorder, w: number): void {
  for (let i = 0; i < 105; i++) {
    r.recordCall('report-version', 2000, 'ERR_OTA_ERRNO', { errno: 1 });
    r.sampleError({
      code: 'ERR_OTA_ERRNO',
      call: 'report-version',
      method: 'POST',
      path: `/fuse-ota/pid/dev-${w}${i}/version`,
      status: 200,
      errno: 1,
      body: '{"errno":1,"error":"auth failed or device not exist"}',
      atMs: T0 + 100 + i * 2 + w,
    });
  }
}

describe('verdict', () => {
  it('calls a run in which every request failed refused, naming the errno and what to check', () => {
    const s = summaryOf(wrongKey);
    const v = judgeRun(s);
    expect(v.status).toBe('refused');
    expect(v.cause).toBe(
      'every request failed: errno 1 = authentication failed — check product.accessKey, tokenLevel and tokenMethod',
    );
    s.verdict = v;
    const text = renderText(s);
    expect(text).toContain('VERDICT  REFUSED · no device call succeeded');
    expect(text).toContain('cause: every request failed: errno 1 = authentication failed');
    expect(renderMarkdown(s)).toContain(
      '**Refused run**: every request failed: errno 1 = authentication failed',
    );
    const html = renderHtml(s);
    expect(html).toContain('data-verdict="refused"');
    expect(html).toContain('every request failed: errno 1 = authentication failed');
  });

  it('is not refused when one request succeeded, and judges a summary without a stored verdict', () => {
    const s = summaryOf((r, w) => {
      wrongKey(r, w);
      if (w === 1) r.recordCall('check', 1000);
    });
    expect(s.verdict).toBeUndefined();
    expect(verdictOf(s).status).not.toBe('refused');
  });

  it('warns about a call failing above 5% that no threshold covers, naming its top codes', () => {
    const s = summaryOf((r) => {
      for (let i = 0; i < 90; i++) r.recordCall('check', 1000);
      for (let i = 0; i < 8; i++) r.recordCall('check', 1000, 'ERR_OTA_ERRNO', { errno: 12 });
      for (let i = 0; i < 2; i++) r.recordCall('check', 1000, 'ERR_TRANSPORT_RESET');
      for (let i = 0; i < 100; i++) r.recordCall('report-version', 1000);
    });
    const v = judgeRun(s);
    expect(v.status).toBe('completed');
    expect(v.warnings).toEqual([
      'check: 10.0% of 200 requests failed and no threshold covers it — top errors: errno 12 = token expired (16); ' +
        'ERR_TRANSPORT_RESET = the connection was reset or closed mid-request (4)',
    ]);
    s.verdict = v;
    expect(renderText(s)).toContain('warning: check: 10.0% of 200 requests failed');
    // a threshold on the call's error share covers it: no warning
    s.thresholds = [{ metric: 'error_rate{call:check}', expression: '< 20%', observed: 0.1, ok: true }];
    expect(judgeRun(s).warnings).toBeUndefined();
    expect(judgeRun(s).status).toBe('passed');
  });

  it('keeps the first 5 samples per code, merged over workers by time, in summary.json and the reports', () => {
    const s = summaryOf(wrongKey);
    expect(s.errorSamples).toHaveLength(5);
    expect(s.errorSamples!.map((x) => x.atMs)).toEqual([T0 + 100, T0 + 101, T0 + 102, T0 + 103, T0 + 104]);
    expect(s.errorSamples![0]).toMatchObject({
      method: 'POST',
      status: 200,
      errno: 1,
      call: 'report-version',
    });
    const back = parseSummary(JSON.parse(JSON.stringify(s)));
    expect(back.errorSamples).toEqual(s.errorSamples);
    expect(renderText(s)).toContain('ERROR SAMPLES');
    expect(renderText(s)).toContain('ERR_OTA_ERRNO  POST /fuse-ota/pid/dev-00/version → 200 errno 1');
    expect(renderMarkdown(s)).toContain('Error samples (first few per code)');
    expect(renderHtml(s)).toContain('Error samples (first few per code)');
  });

  it('never keeps a token signature or Authorization value in a sample, and cuts long bodies', () => {
    const s = summaryOf((r) => {
      r.recordCall('check', 1000, 'ERR_HTTP_STATUS', { status: 401 });
      r.sampleError({
        code: 'ERR_HTTP_STATUS',
        call: 'check',
        method: 'GET',
        path: '/x?sign=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D&et=1',
        status: 401,
        body: `{"echo":"authorization: version=2018-10-31&res=products%2Fp&et=9&method=sha1&sign=abcDEF123"}${'x'.repeat(5000)}`,
        detail: 'Authorization=version=2018-10-31&sign=zzz',
        atMs: T0,
      });
    });
    const json = JSON.stringify(s);
    expect(json).not.toContain('c2VjcmV0LXNpZ25hdHVyZQ');
    expect(json).not.toContain('abcDEF123');
    expect(json).not.toContain('zzz');
    expect(s.errorSamples![0]!.body!.length).toBeLessThanOrEqual(201);
  });

  it('counts requests cut by the stop apart, per call, with their age, and a never-completed call is stalled', () => {
    const s = summaryOf((r) => {
      for (let i = 0; i < 20; i++) r.recordCall('report-version', 1000);
      for (let i = 0; i < 10; i++) r.recordCut('check', 5_000_000 + i * 100_000);
    });
    expect(s.calls.check.count).toBe(0);
    expect(s.calls.check.cut).toMatchObject({ count: 20 });
    expect(s.calls.check.cut!.age.max).toBeGreaterThanOrEqual(5_890_000);
    expect(s.totals.requests).toBe(40);
    expect(s.totals.cutRequests).toBe(20);
    expect(Object.keys(s.durations).some((k) => k.includes('cut'))).toBe(false);
    const v = judgeRun(s);
    expect(v.status).toBe('stalled');
    expect(v.cause).toMatch(
      /^a call never completed: check: 20 sent, none completed \(in flight for up to 5\.9\ds/,
    );
    s.verdict = v;
    const text = renderText(s);
    expect(text).toContain('VERDICT  STALLED');
    expect(text).toMatch(/CUT BY THE STOP[\s\S]*check\s+20/);
    expect(renderMarkdown(s)).toContain('Cut by the stop');
    expect(renderHtml(s)).toContain('Cut by the stop');
  });

  it('calls a run whose every request was cut in flight refused, saying the target never answered', () => {
    const s = summaryOf((r) => {
      for (let i = 0; i < 3; i++) r.recordCut('report-version', 30_000_000);
    });
    const v = judgeRun(s);
    expect(v.status).toBe('refused');
    expect(v.cause).toContain(
      'no request completed: 6 were still in flight when the run stopped (report-version 6)',
    );
  });
});
