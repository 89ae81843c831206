/** The stylesheet of report.html (inlined; no web fonts, no network). */
export const REPORT_CSS = `
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --panel: #f6f8fa;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --info: #0969da;
}
* { box-sizing: border-box; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header .sub { color: var(--muted); margin: 0; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.verdict {
  margin: 20px 0 12px; padding: 14px 18px; border-radius: 8px; border: 1px solid var(--line);
  border-left: 6px solid var(--info); background: var(--panel);
}
.verdict .status { font-size: 20px; font-weight: 700; letter-spacing: 0.02em; }
.verdict ul { margin: 6px 0 0; padding-left: 20px; }
.verdict.passed, .verdict.passing { border-left-color: var(--ok); }
.verdict.passed .status, .verdict.passing .status { color: var(--ok); }
.verdict.failing { border-left-color: var(--bad); }
.verdict.failing .status { color: var(--bad); }
small.live { font-size: 12px; color: #fff; background: var(--bad); border-radius: 4px; padding: 1px 6px; vertical-align: middle; }
#report a { font-weight: 600; font-size: 16px; }
.verdict.failed, .verdict.regressed, .verdict.refused, .verdict.stalled { border-left-color: var(--bad); }
.verdict.failed .status, .verdict.regressed .status, .verdict.refused .status, .verdict.stalled .status { color: var(--bad); }
.verdict .cause, .verdict .warning { margin: 6px 0 0; }
.banner {
  margin: 12px 0; padding: 10px 16px; border-radius: 8px; font-weight: 600;
  background: #fff8c5; border: 1px solid #d4a72c; color: #633c01;
}
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.kpi { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.kpi .value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(520px, 100%), 1fr)); gap: 16px; }
.chart { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 6px; min-width: 0; }
.chart h3 { margin: 0 0 6px; }
.note { color: var(--muted); background: var(--panel); border: 1px dashed var(--line); border-radius: 8px; padding: 10px 14px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; font-size: 12.5px; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.ok { color: var(--ok); font-weight: 600; }
td.bad { color: var(--bad); font-weight: 600; }
td.muted { color: var(--muted); padding-left: 22px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
pre.source { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; overflow: auto; max-height: 480px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
.uplot { font-family: inherit; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll table { min-width: 560px; }
@media (max-width: 640px) {
  main { padding: 14px 10px 32px; }
  .charts { grid-template-columns: 1fr; }
  dl.facts { grid-template-columns: 1fr; }
}
@media print { .chart { break-inside: avoid; } }
`;
