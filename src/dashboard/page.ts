/**
 * The dashboard page: report.html's stylesheet, uPlot and chart script (html-client.ts) inlined, so
 * it draws the same charts with the same code; a small script subscribes to `/events` (server-sent
 * events) and hands each state to `OtaCharts.render`. No network beyond its own server.
 */

import { REPORT_CLIENT_JS } from '../report/html-client.ts';
import { REPORT_CSS } from '../report/html-style.ts';
import { escapeHtml } from '../report/html-tables.ts';
import { rawText, uplotAssets } from '../report/render-html.ts';

/** The page script (browser, plain ES2017): counts updates in `data-updates` on <body>. */
const DASHBOARD_JS = `
(function () {
  'use strict';
  var body = document.body, updates = 0, key = '';
  var $ = function (id) { return document.getElementById(id); };
  function esc(s) { var d = document.createElement('div'); d.textContent = String(s); return d.innerHTML; }
  function fmt(v, digits) { return v == null ? '-' : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits || 0 }); }
  function kpis(S) {
    var l = S.live || {};
    var cards = [
      ['Elapsed', fmt(S.second) + ' / ' + fmt(S.durationMs / 1000) + ' s'],
      ['Requests', fmt(l.requests)], ['Throughput', fmt(l.rps) + ' req/s'],
      ['Failed', l.errorRate == null ? '-' : (100 * l.errorRate).toFixed(1) + '%'],
      ['check p99', l.checkP99Ms == null ? '-' : fmt(l.checkP99Ms, 1) + ' ms'],
      ['Active devices', fmt(l.devicesActive)], ['Upgraded', fmt(l.upgraded)],
    ];
    if (l.dropped > 0) cards.push(['Dropped starts', fmt(l.dropped)]);
    return cards.map(function (c) { return '<div class="kpi"><div class="label">' + esc(c[0]) + '</div><div class="value">' + esc(c[1]) + '</div></div>'; }).join('');
  }
  function thresholds(S) {
    if (!S.thresholds.length) return '<p class="note">This scenario has no thresholds.</p>';
    return '<div class="scroll"><table><thead><tr><th></th><th>Metric</th><th>Threshold</th><th class="num">Observed</th></tr></thead><tbody>' +
      S.thresholds.map(function (t) {
        return '<tr><td class="' + (t.ok ? 'ok' : 'bad') + '">' + (t.ok ? 'ok' : 'failed') + '</td><td>' + esc(t.metric) + '</td><td>' + esc(t.expression) + '</td><td class="num">' + esc(t.observed) + '</td></tr>';
      }).join('') + '</tbody></table></div>';
  }
  function apply(S) {
    updates++;
    body.setAttribute('data-updates', String(updates));
    body.setAttribute('data-phase', S.phase);
    $('phase').textContent = S.phase === 'finished' ? 'finished' : S.phase === 'stopping' ? 'stopping (' + (S.stopReason || '') + ')' : S.phase + ' · second ' + S.second;
    var v = $('verdict');
    v.className = 'verdict ' + S.verdict.status;
    v.setAttribute('data-verdict', S.verdict.status);
    v.innerHTML = '<div class="status">' + esc(S.verdict.status.toUpperCase()) + '</div><ul>' +
      (S.verdict.reasons.length ? S.verdict.reasons : ['no thresholds to judge against']).map(function (r) { return '<li>' + esc(r) + '</li>'; }).join('') + '</ul>';
    $('kpis').innerHTML = kpis(S);
    $('thresholds').innerHTML = thresholds(S);
    if (S.sectionsKey !== key) { key = S.sectionsKey; $('chart-sections').innerHTML = S.sections; }
    window.OtaCharts.render(S);
    if (S.report) {
      var a = $('report-link');
      a.href = S.report;
      a.textContent = 'Open the report (report.html)';
      $('report').hidden = false;
      body.setAttribute('data-report', S.report);
      // keep the report as a blob, so the link still opens it once the run's process has exited
      fetch(S.report).then(function (r) { return r.ok ? r.blob() : null; }).then(function (b) {
        if (b) { a.href = URL.createObjectURL(b); a.setAttribute('data-cached', 'true'); }
        es.close();
      }).catch(function () { es.close(); });
    }
  }
  var es = new EventSource('events');
  es.addEventListener('state', function (e) {
    var S = JSON.parse(e.data);
    apply(S);
  });
  es.onerror = function () {
    if (body.getAttribute('data-phase') !== 'finished') $('phase').textContent = 'disconnected from the run';
    else es.close();
  };
})();
`;

/** The dashboard page of scenario `name`. */
export function dashboardPage(name: string): string {
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`ota-fleet · live · ${name}`)}</title>
<link rel="icon" href="data:,">
<style>${rawText(css, 'style')}</style>
<style>${REPORT_CSS}</style>
</head>
<body data-updates="0" data-phase="starting">
<main>
<header><h1>${escapeHtml(name)} <small class="live">live</small></h1><p class="sub" id="phase">waiting for the run to start</p></header>
<section class="verdict" id="verdict" data-verdict="running"><div class="status">RUNNING</div></section>
<p id="report" hidden><a id="report-link" href="report" target="_blank" rel="noopener">report</a></p>
<section class="kpis" id="kpis"></section>
<h2>Thresholds</h2>
<div id="thresholds"></div>
<div id="chart-sections"></div>
<footer>ota-fleet live dashboard: one update a second from the run; the report link appears when the run has ended.</footer>
</main>
<script>${rawText(js, 'script')}</script>
<script>${REPORT_CLIENT_JS}</script>
<script>${DASHBOARD_JS}</script>
</body>
</html>
`;
}
