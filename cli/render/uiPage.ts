/**
 * `s6rc ui`'s one page: the dependency graph (graphHtml.ts's drawing), the
 * state charts of the service machines (statechart/toSvg.ts), the timeline
 * and history panels, and the script that keeps them live (uiScript.ts).
 * Everything is inline: the page loads no file, font or script from
 * anywhere, and its Content-Security-Policy lets it reach only the server
 * that served it.
 */
import { createHash } from 'node:crypto';
import { GRAPH_CSS, GRAPH_JS } from './graphHtml.js';
import { STATECHART_CSS } from './statechart/toSvg.js';
import { STATE_COLORS, xml } from './stateColors.js';
import { UI_SCRIPT } from './uiScript.js';

export interface UiPageInput {
  /** The live directory, for the title. */
  live: string;
  /** graphToSvg's drawing of every service. */
  graphSvg: string;
  /** shapeToSvg's drawing of each service machine (longrun, oneshot). */
  charts: string[];
}

export interface UiPage {
  html: string;
  /** The Content-Security-Policy to serve it with (its script allowed by hash). */
  csp: string;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #1d2228; background: #f3f5f8; font-size: 14px; }
header { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 12px 24px; background: #1d2228; color: #eef1f5; }
header h1 { font-size: 17px; margin: 0; font-weight: 700; }
header h1 .where { font-weight: 400; color: #aeb8c5; margin-left: 6px; }
header #supervisor { color: #aeb8c5; font-size: 12px; }
#conn { margin-left: auto; font-size: 12px; padding: 3px 9px; border-radius: 10px; background: #3d4550; }
#conn::before { content: '●'; margin-right: 5px; }
#conn[data-state="live"]::before { color: #46c478; }
#conn[data-state="lost"]::before, #conn[data-state="connecting"]::before { color: #e0b428; }
#conn[data-state="gone"]::before { color: #e05252; }
#counts { display: flex; gap: 8px; flex-wrap: wrap; }
.count, .state-tag { font-size: 12px; padding: 2px 8px; border-radius: 9px; background: var(--f); border: 1.5px solid var(--s); color: #1d2228; }
#banner { margin: 12px 24px 0; padding: 10px 14px; border-radius: 6px; background: #ffd0d0; border: 1px solid #d12c2c; color: #5c0b0b; }
main { padding: 16px 24px 32px; display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr); }
.card { background: #ffffff; border: 1px solid #dde2e8; border-radius: 8px; padding: 14px 16px; min-width: 0; }
.card h2 { font-size: 15px; margin: 0 0 4px; display: flex; align-items: center; gap: 8px; }
.card h3 { font-size: 13px; margin: 14px 0 6px; color: #3d4550; }
p.sub { color: #5b6573; margin: 0 0 10px; font-size: 12.5px; }
.scroll { overflow: auto; }
.scroll > svg { display: block; max-width: 100%; height: auto; }
#graph .s6rc-graph .node { cursor: pointer; }
#graph .s6rc-graph .node:focus { outline: none; }
#graph .s6rc-graph .node:focus rect, #graph .s6rc-graph .node.selected rect { stroke-width: 4px; filter: drop-shadow(0 0 3px rgba(29, 34, 40, 0.45)); }
.legend { display: flex; gap: 14px; font-size: 12px; margin-top: 8px; color: #5b6573; flex-wrap: wrap; }
.legend span::before { content: ''; display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -2px; border-radius: 3px; border: 1.5px solid var(--s); background: var(--f); }
#service-hint { color: #5b6573; font-size: 12.5px; margin: 8px 0 0; }
#service-card .tag { font-size: 11px; font-weight: 400; color: #5b6573; border: 1px solid #c5ccd6; border-radius: 9px; padding: 1px 7px; }
#svc-close { margin-left: auto; border: 1px solid #c5ccd6; background: #f8f9fb; border-radius: 5px; cursor: pointer; font-size: 13px; padding: 2px 9px; }
.service-cols { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; }
@media (max-width: 1000px) { .service-cols { grid-template-columns: minmax(0, 1fr); } }
#svc-status { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 8px 0 0; font-size: 13px; }
#svc-status dt { color: #5b6573; }
#svc-status dd { margin: 0; }
#svc-chart svg { display: block; max-width: 100%; height: auto; }
${STATECHART_CSS}
#svc-chart .s6rc-statechart .state { opacity: 0.5; }
#svc-chart .s6rc-statechart .state.current { opacity: 1; }
#svc-chart .s6rc-statechart .state.current rect { stroke-width: 4px; filter: drop-shadow(0 0 4px rgba(29, 34, 40, 0.5)); }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th { text-align: left; color: #5b6573; font-weight: 600; border-bottom: 1px solid #dde2e8; padding: 4px 8px 4px 0; white-space: nowrap; }
td { border-bottom: 1px solid #eef1f4; padding: 3px 8px 3px 0; vertical-align: top; }
td:nth-child(-n+2) { white-space: nowrap; font-variant-numeric: tabular-nums; }
#history td:nth-child(-n+6) { white-space: nowrap; }
.table-wrap { max-height: 420px; overflow: auto; }
#svc-events-wrap { max-height: 300px; }
.empty { color: #5b6573; font-size: 12.5px; margin: 6px 0; }
form#filters { display: flex; gap: 14px; flex-wrap: wrap; align-items: center; margin: 4px 0 10px; font-size: 13px; }
form#filters label { display: flex; gap: 6px; align-items: center; color: #3d4550; }
form#filters select, form#filters input { font: inherit; padding: 3px 6px; border: 1px solid #c5ccd6; border-radius: 5px; background: #ffffff; }
form#filters #f-change { max-width: 360px; }
a.service-link { color: #1f5fbf; text-decoration: none; }
a.service-link:hover { text-decoration: underline; }
#plot svg { max-width: 100%; height: auto; }
${GRAPH_CSS}
`;

const LEGEND_STATES = ['down', 'starting', 'up-unready', 'ready', 'stopping', 'failed'];

/** The page, with the CSP that allows exactly its inline script. */
export function uiPage(input: UiPageInput): UiPage {
  const script = `${GRAPH_JS}\n${UI_SCRIPT}`;
  const hash = createHash('sha256').update(script).digest('base64');
  const config = JSON.stringify({ colors: STATE_COLORS }).replace(/</g, '\\u003c');
  const legend = LEGEND_STATES.map((s) => `<span style="--f:${STATE_COLORS[s].fill};--s:${STATE_COLORS[s].stroke}">${s}</span>`).join('') +
    `<span style="--f:${STATE_COLORS.unknown.fill};--s:#5b6573">rounded: longrun, square: oneshot, thick border: essential</span>` +
    '<span style="--f:#3a78d8;--s:#3a78d8">blue arrow: pipeline</span>';
  const title = `s6rc ui — ${input.live}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${xml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>${CSS}</style></head>
<body>
<header><h1>s6rc<span class="where">${xml(input.live)}</span></h1><span id="supervisor"></span><span id="counts"></span><span id="conn" data-state="connecting">connecting…</span></header>
<div id="banner" hidden></div>
<main>
<section class="card" id="graph-card">
<h2>Services</h2>
<p class="sub">Coloured by each service's state, live. An arrow points from a service to what starts after it.</p>
<div class="scroll" id="graph">${input.graphSvg}</div>
<div class="legend">${legend}</div>
<p id="service-hint">Click a service for its state chart, its events and its deaths.</p>
</section>
<section class="card" id="service-card" hidden>
<h2><span id="svc-name"></span><span class="tag" id="svc-type"></span><button type="button" id="svc-close" aria-label="close">close</button></h2>
<div class="service-cols">
<div><h3>State chart of the <span id="svc-machine"></span> machine</h3><div id="svc-chart">${input.charts.join('')}</div></div>
<div><h3>Status</h3><dl id="svc-status"></dl>
<h3>Events</h3><div class="table-wrap" id="svc-events-wrap"><table id="svc-events"><thead><tr><th>TIME</th><th>FROM → TO</th><th>EVENT</th><th>CAUSE</th></tr></thead><tbody></tbody></table><p class="empty" id="svc-events-none" hidden>No event yet.</p></div>
<div id="svc-deaths-wrap"><h3>Deaths</h3><table id="svc-deaths"><thead><tr><th>TIME</th><th>DEATH</th><th>PID</th><th>UP FOR</th></tr></thead><tbody></tbody></table><p class="empty" id="svc-deaths-none" hidden>No death.</p></div>
</div></div>
</section>
<section class="card" id="plot-card">
<h2>Timeline</h2>
<p class="sub" id="plot-caption"></p>
<div class="scroll" id="plot"></div>
</section>
<section class="card" id="history-card">
<h2>History</h2>
<form id="filters">
<label>service <select id="f-service"><option value="">any service</option></select></label>
<label>event <input id="f-type" list="types" placeholder="any event" size="18" autocomplete="off"></label>
<datalist id="types"></datalist>
<label>change <select id="f-change"><option value="">any change</option></select></label>
</form>
<div class="table-wrap"><table id="history"><thead><tr><th>SEQ</th><th>TIME</th><th>CHANGE</th><th>SERVICE</th><th>FROM → TO</th><th>EVENT</th><th>CAUSE</th></tr></thead><tbody></tbody></table>
<p class="empty" id="history-none" hidden>No event matches.</p></div>
</section>
</main>
<script type="application/json" id="s6rc-config">${config}</script>
<script>${script}</script>
</body></html>
`;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
