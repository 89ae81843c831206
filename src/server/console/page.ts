/**
 * The console page's HTML shell and its style sheet, as strings. The shell is static but for one
 * attribute (whether the server needs the admin token); everything else the script draws from the
 * management API. Styles are plain CSS, readable from a ~360 px wide window up.
 */
import { CONSOLE_PATHS } from './paths.ts';

/** What the shell tells the script before its first API call. */
export interface ConsolePageOptions {
  tokenRequired: boolean;
}

/** The HTML of the console page. */
export function renderConsoleHtml(options: ConsolePageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="ota-fleet-token-required" content="${options.tokenRequired ? 'true' : 'false'}">
<title>ota-fleet console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${CONSOLE_PATHS.style}">
</head>
<body>
<header class="top">
  <a class="brand" href="#/">ota-fleet console</a>
  <span id="server-info" class="muted"></span>
  <button type="button" id="forget-token" class="link" hidden>Forget token</button>
</header>
<div id="banner" class="banner" role="alert" hidden></div>
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<script src="${CONSOLE_PATHS.script}"></script>
</body>
</html>
`;
}

/** The console's style sheet. */
export const CONSOLE_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg2: #f6f8fa; --accent: #0969da;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
a { color: var(--accent); }
.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline; padding: .6rem 1rem;
  border-bottom: 1px solid var(--line); background: var(--bg2); }
.brand { font-weight: 600; text-decoration: none; color: var(--fg); }
main { padding: .75rem 1rem 2rem; max-width: 1200px; }
h1 { font-size: 1.3rem; margin: .25rem 0 .75rem; word-break: break-word; }
h2 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.muted { color: var(--muted); }
.crumbs { margin: 0 0 .25rem; color: var(--muted); }
.banner { margin: 0; padding: .5rem 1rem; background: #ffebe9; color: var(--bad); border-bottom: 1px solid #ffcecb; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg2); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; margin: .5rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .6rem; }
.card b { display: block; font-size: 1.2rem; font-variant-numeric: tabular-nums; }
form.box, .box { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; margin: .5rem 0; }
.field { margin: 0 0 .6rem; }
.field > label, .field > .label { display: block; font-weight: 600; margin-bottom: .15rem; }
.field input[type=text], .field input[type=number], .field input[type=datetime-local], .field select,
.field textarea { width: 100%; max-width: 28rem; padding: .3rem .4rem; font: inherit; border: 1px solid var(--line); border-radius: 4px; }
.field textarea { min-height: 4rem; }
.hint { display: block; color: var(--muted); font-size: .85rem; }
.error { display: block; color: var(--bad); font-size: .9rem; }
.error:empty { display: none; }
.field.invalid input, .field.invalid select, .field.invalid textarea { border-color: var(--bad); }
.choice, .field > label.choice { display: block; margin: .1rem 0; font-weight: 400; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
button { font: inherit; padding: .3rem .7rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); border-color: #ffcecb; }
button.link { border: 0; background: none; color: var(--accent); padding: 0; }
button:disabled { opacity: .5; cursor: default; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .85rem; border: 1px solid var(--line); white-space: nowrap; }
.badge.ok, .s-succeeded, .s-completed { color: var(--ok); border-color: #aceebb; background: #dafbe1; }
.badge.no, .s-failed, .s-cancelled { color: var(--bad); border-color: #ffcecb; background: #ffebe9; }
.s-downloading, .s-upgrading, .s-running { color: var(--accent); border-color: #b6e3ff; background: #ddf4ff; }
.s-pending, .s-scheduled { color: var(--warn); border-color: #f5e0a0; background: #fff8c5; }
progress { width: 6rem; vertical-align: middle; }
.notice { color: var(--ok); }
@media (max-width: 640px) {
  main { padding: .5rem .6rem 2rem; }
  th, td { padding: .25rem .3rem; }
  .hide-narrow { display: none; }
}
`;
