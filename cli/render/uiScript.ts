/**
 * The script of `s6rc ui`'s page, plain DOM and no library: it listens to
 * the server's event stream (`/events`), recolours the graph's services as
 * their states change, redraws the timeline, keeps the history table and
 * the clicked service's panel current, and asks the server for filtered
 * history (`/history`) and a service's events and deaths (`/service`).
 * Every request goes to the server that served the page; text from the
 * server goes in as text (textContent), only the server's own SVG drawings
 * as markup.
 */
export const UI_SCRIPT = `
(() => {
  'use strict';
  const config = JSON.parse(document.getElementById('s6rc-config').textContent);
  const COLORS = config.colors;
  const $ = (id) => document.getElementById(id);
  const make = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const row = (cells) => {
    const tr = document.createElement('tr');
    for (const c of cells) tr.append(c instanceof Node ? wrapCell(c) : make('td', c));
    return tr;
  };
  const wrapCell = (node) => {
    const td = document.createElement('td');
    td.append(node);
    return td;
  };
  const duration = (ms) => {
    if (ms < 0) ms = 0;
    if (ms < 1000) return Math.round(ms) + 'ms';
    const s = Math.floor(ms / 1000);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'min ' + (s % 60) + 's';
    return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'min';
  };
  const clock = (ms) => new Date(ms).toLocaleTimeString();

  const statuses = new Map();
  /** The server's clock minus ours (the page may be viewed from another machine), so "for 12s" counts right. */
  let skew = 0;
  const now = () => Date.now() + skew;

  // ---- the graph: one node per service, recoloured on every status.
  const nodes = new Map();
  for (const g of document.querySelectorAll('svg.s6rc-graph .node')) {
    nodes.set(g.dataset.service, g);
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.addEventListener('click', () => select(g.dataset.service));
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        select(g.dataset.service);
      }
    });
  }

  function summary(st) {
    const parts = [st.state];
    if (st.pid) parts.push('pid ' + st.pid);
    if (st.updownSince) parts.push((st.state === 'down' || st.state === 'failed' ? 'down' : 'up') + ' for ' + duration(now() - st.updownSince));
    if (st.error) parts.push(st.error);
    return parts.join(', ');
  }

  function paint(st) {
    const g = nodes.get(st.name);
    if (!g) return;
    const c = COLORS[st.state] || COLORS.unknown;
    g.dataset.state = st.state;
    const rect = g.querySelector('rect');
    rect.setAttribute('fill', c.fill);
    rect.setAttribute('stroke', c.stroke);
    for (const t of g.querySelectorAll('text')) t.setAttribute('fill', c.text);
    const label = g.querySelector('text.state');
    if (label) label.textContent = st.state;
    const title = g.querySelector('title');
    if (title) title.textContent = st.name + ' (' + st.type + '): ' + summary(st) + ' (click for details)';
  }

  /** The header's counts, redrawn at most once a frame (thousands of statuses arrive at once when the page opens). */
  let countsPending = false;
  function counts() {
    if (countsPending) return;
    countsPending = true;
    requestAnimationFrame(drawCounts);
  }
  function drawCounts() {
    countsPending = false;
    const n = {};
    for (const st of statuses.values()) n[st.state] = (n[st.state] || 0) + 1;
    const out = $('counts');
    out.replaceChildren();
    for (const state of ['ready', 'up-unready', 'starting', 'stopping', 'down', 'failed']) {
      if (!n[state]) continue;
      const s = make('span', n[state] + ' ' + state, 'count');
      s.style.setProperty('--f', (COLORS[state] || COLORS.unknown).fill);
      s.style.setProperty('--s', (COLORS[state] || COLORS.unknown).stroke);
      out.append(s);
    }
  }

  // ---- the service panel: status, state chart, events, deaths.
  let selected = null;
  let selectedEvents = [];
  /** The newest seq the panel's events include; null while they load (live rows wait in selectedWaiting). */
  let selectedSeq = null;
  let selectedWaiting = [];
  let selectedLoad = 0;

  function select(name) {
    if (!nodes.has(name) && !statuses.has(name)) return;
    selected = name;
    if (location.hash !== '#service=' + encodeURIComponent(name)) history.replaceState(null, '', '#service=' + encodeURIComponent(name));
    for (const [n, g] of nodes) g.classList.toggle('selected', n === name);
    $('service-card').hidden = false;
    $('service-hint').hidden = true;
    $('svc-name').textContent = name;
    if ($('svc-name').dataset.shown !== name) {
      // Another service: nothing of the last one's stays on screen while this one's load.
      $('svc-name').dataset.shown = name;
      selectedEvents = [];
      $('svc-events').tBodies[0].replaceChildren();
      $('svc-deaths').tBodies[0].replaceChildren();
    }
    showStatus();
    loadService(name);
  }

  function close() {
    selected = null;
    history.replaceState(null, '', location.pathname);
    for (const g of nodes.values()) g.classList.remove('selected');
    $('service-card').hidden = true;
    $('service-hint').hidden = false;
  }
  $('svc-close').addEventListener('click', close);

  function showStatus() {
    if (!selected) return;
    const st = statuses.get(selected);
    const type = st ? st.type : (nodes.get(selected) && nodes.get(selected).dataset.type) || '';
    $('svc-type').textContent = type;
    for (const chart of document.querySelectorAll('#svc-chart svg.s6rc-statechart')) {
      const mine = chart.dataset.machine === type;
      chart.style.display = mine ? '' : 'none';
      for (const s of chart.querySelectorAll('.state')) s.classList.toggle('current', mine && !!st && s.dataset.state === st.state);
    }
    $('svc-machine').textContent = type;
    const dl = $('svc-status');
    dl.replaceChildren();
    const field = (k, v) => {
      if (v === undefined || v === null || v === '') return;
      dl.append(make('dt', k), make('dd', v));
    };
    if (!st) {
      field('state', 'unknown');
      return;
    }
    const stateDd = make('span', st.state, 'state-tag');
    stateDd.style.setProperty('--f', (COLORS[st.state] || COLORS.unknown).fill);
    stateDd.style.setProperty('--s', (COLORS[st.state] || COLORS.unknown).stroke);
    dl.append(make('dt', 'state'), (() => { const dd = make('dd'); dd.append(stateDd); if (st.updownSince) dd.append(' for ' + duration(now() - st.updownSince)); return dd; })());
    field('wanted', st.wantedUp ? 'up' : 'down');
    field('in the live state', st.normallyUp ? 'yes' : 'no');
    field('pid', st.pid);
    if (st.readySince && st.state === 'ready') field('ready since', clock(st.readySince));
    if (st.signal) field('last exit', 'signal ' + st.signal);
    else if (st.exitCode !== null && st.exitCode !== undefined) field('last exit', 'exit code ' + st.exitCode);
    if (st.type === 'longrun') field('deaths', st.deaths !== undefined ? st.deaths : st.deathTally);
    if (st.respawnAt) field('restart', 'in ' + duration(st.respawnAt - now()));
    if (st.paused) field('paused', 'yes');
    if (st.notifyStatus) field('status', st.notifyStatus);
    if (st.outcomeUnknown) field('outcome', 'unknown (its supervisor died)');
    field('error', st.error);
  }

  async function loadService(name) {
    const ticket = ++selectedLoad;
    selectedSeq = null;
    selectedWaiting = [];
    try {
      const res = await fetch('/service?name=' + encodeURIComponent(name));
      const data = await res.json();
      if (ticket !== selectedLoad) return;
      if (!res.ok) throw new Error(data.error || res.statusText);
      selectedEvents = data.events.slice().reverse();
      selectedSeq = data.lastSeq;
      addServiceEvents(selectedWaiting);
      selectedWaiting = [];
      renderServiceEvents();
      const deaths = $('svc-deaths').tBodies[0];
      deaths.replaceChildren(...data.deaths.slice().reverse().map((d) => row([d.time, d.death, d.pid, d.upFor])));
      $('svc-deaths-none').hidden = data.deaths.length > 0;
      $('svc-deaths-wrap').hidden = $('svc-type').textContent !== 'longrun';
    } catch (err) {
      if (ticket === selectedLoad) banner('could not read the events of ' + name + ': ' + err.message);
    }
  }

  /** Live rows of the selected service, newest first, on top of what was loaded; a death reloads the deaths. */
  function addServiceEvents(batch) {
    let died = false;
    for (const r of batch) {
      if (r.service !== selected) continue;
      if (selectedSeq === null) {
        selectedWaiting.push(r);
        continue;
      }
      if (r.seq <= selectedSeq) continue;
      selectedSeq = r.seq;
      selectedEvents.unshift(r);
      if (r.event === 'run.exited' || r.event === 'run.lost') died = true;
    }
    if (selectedEvents.length > 100) selectedEvents.length = 100;
    return died;
  }

  function renderServiceEvents() {
    const body = $('svc-events').tBodies[0];
    body.replaceChildren(...selectedEvents.map((e) => row([e.timeText.slice(11), transition(e), e.event, e.cause])));
    $('svc-events-none').hidden = selectedEvents.length > 0;
  }

  const transition = (e) => (e.from || e.to ? (e.from || '-') + ' → ' + (e.to || '-') : '');

  // ---- history, filtered by service, event type and change.
  const LIMIT = 200;
  const filters = $('filters');
  let rows = [];
  let lastSeq = 0;
  let loaded = false;
  let waiting = [];
  const types = new Set();

  function filterValues() {
    return { service: $('f-service').value, type: $('f-type').value.trim(), change: $('f-change').value };
  }
  function matches(r, f) {
    return (!f.service || r.service === f.service) && (!f.type || r.event === f.type) && (!f.change || String(r.change) === f.change);
  }

  async function loadHistory() {
    loaded = false;
    waiting = [];
    const f = filterValues();
    const q = new URLSearchParams({ limit: String(LIMIT) });
    for (const k of ['service', 'type', 'change']) if (f[k]) q.set(k, f[k]);
    try {
      const res = await fetch('/history?' + q);
      const data = await res.json();
      if (!res.ok) throw new Error(data.error || res.statusText);
      const same = filterValues();
      if (same.service !== f.service || same.type !== f.type || same.change !== f.change) return;
      rows = data.events.slice().reverse();
      lastSeq = data.lastSeq;
      loaded = true;
      const later = waiting;
      waiting = [];
      renderHistory();
      addHistory(later);
    } catch (err) {
      banner('could not read the history: ' + err.message);
    }
  }

  function historyRow(r) {
    const tr = row([r.seq, r.timeText, r.change === null ? '-' : r.change, serviceLink(r.service), transition(r), r.event, r.cause]);
    tr.dataset.seq = r.seq;
    tr.dataset.service = r.service || '';
    tr.dataset.event = r.event;
    tr.dataset.change = r.change === null ? '' : String(r.change);
    if (r.to) tr.dataset.to = r.to;
    return tr;
  }
  function serviceLink(name) {
    if (!name) return '-';
    if (!nodes.has(name)) return name;
    const a = make('a', name, 'service-link');
    a.href = '#service=' + encodeURIComponent(name);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      select(name);
    });
    return a;
  }
  function renderHistory() {
    for (const r of rows) types.add(r.event);
    renderTypes();
    $('history').tBodies[0].replaceChildren(...rows.map(historyRow));
    $('history-none').hidden = rows.length > 0;
  }
  function addHistory(batch) {
    if (!loaded) {
      waiting.push(...batch);
      return;
    }
    const f = filterValues();
    const body = $('history').tBodies[0];
    for (const r of batch) {
      types.add(r.event);
      if (r.seq <= lastSeq) continue;
      lastSeq = r.seq;
      if (!matches(r, f)) continue;
      rows.unshift(r);
      body.prepend(historyRow(r));
    }
    while (rows.length > LIMIT) {
      rows.pop();
      body.lastElementChild && body.lastElementChild.remove();
    }
    $('history-none').hidden = rows.length > 0;
    renderTypes();
  }
  let typesShown = 0;
  function renderTypes() {
    if (types.size === typesShown) return;
    typesShown = types.size;
    $('types').replaceChildren(...[...types].sort().map((t) => { const o = document.createElement('option'); o.value = t; return o; }));
  }
  for (const name of [...nodes.keys()].sort()) {
    const o = make('option', name);
    o.value = name;
    $('f-service').append(o);
  }
  filters.addEventListener('submit', (ev) => ev.preventDefault());
  filters.addEventListener('change', loadHistory);
  let typing = null;
  $('f-type').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(loadHistory, 300);
  });

  function showChanges(list) {
    const select = $('f-change');
    const keep = select.value;
    const options = [make('option', 'any change')];
    options[0].value = '';
    for (const c of list.slice().reverse()) {
      const o = make('option', c.id + ': ' + c.argv + (c.ended === null ? ' (running)' : c.exitCode !== null ? ' (exit ' + c.exitCode + ')' : ''));
      o.value = String(c.id);
      options.push(o);
    }
    select.replaceChildren(...options);
    select.value = keep;
    if (select.value !== keep) select.value = '';
  }

  // ---- the timeline of the running or last change.
  function showPlot(p) {
    const caption = $('plot-caption');
    if (!p.change) {
      caption.textContent = 'no change recorded yet';
      $('plot').replaceChildren(make('p', 'Nothing to draw: no change in the event log.', 'empty'));
      return;
    }
    const c = p.change;
    const end = c.ended === null ? 'running' : c.exitCode !== null ? 'exit ' + c.exitCode : 'ended (' + (c.reason || 'exit unknown') + ')';
    caption.textContent = 'change ' + c.id + ': ' + c.argv + ' — ' + end + ', ' + c.user;
    $('plot-card').dataset.change = c.id;
    $('plot-card').dataset.running = c.ended === null ? 'yes' : 'no';
    $('plot').innerHTML = p.svg;
  }

  // ---- messages.
  function banner(text) {
    const b = $('banner');
    b.textContent = text;
    b.hidden = !text;
  }
  function connection(state, text) {
    const c = $('conn');
    c.dataset.state = state;
    c.textContent = text;
  }

  // ---- the feed.
  const feed = new EventSource('/events');
  feed.addEventListener('open', () => connection('live', 'live'));
  feed.addEventListener('error', () => {
    if (feed.readyState !== EventSource.CLOSED) connection('lost', 'reconnecting…');
  });
  feed.addEventListener('hello', (m) => {
    const h = JSON.parse(m.data);
    skew = h.now - Date.now();
    $('supervisor').textContent = 'supervisor pid ' + h.pid + ', boot ' + h.boot + ', up since ' + new Date(h.started).toLocaleString();
    banner('');
  });
  feed.addEventListener('status', (m) => {
    const st = JSON.parse(m.data);
    statuses.set(st.name, st);
    paint(st);
    if (st.name === selected) showStatus();
    counts();
  });
  feed.addEventListener('history', (m) => {
    const batch = JSON.parse(m.data);
    addHistory(batch);
    if (!selected) return;
    const loading = selectedSeq === null;
    const died = addServiceEvents(batch);
    if (!loading) renderServiceEvents();
    if (died) loadService(selected);
  });
  feed.addEventListener('changes', (m) => showChanges(JSON.parse(m.data)));
  feed.addEventListener('plot', (m) => showPlot(JSON.parse(m.data)));
  feed.addEventListener('reload', () => location.reload());
  feed.addEventListener('gone', (m) => {
    feed.close();
    connection('gone', 'stopped');
    banner(JSON.parse(m.data).message);
  });

  setInterval(() => {
    if (selected) showStatus();
  }, 1000);

  loadHistory();
  const wanted = /^#service=(.+)$/.exec(location.hash);
  if (wanted) select(decodeURIComponent(wanted[1]));
})();
`;
