// TaskExecKit dashboard: a small hand-written client. Data arrives as JSON from ./api; the server pushes
// "changed" events over Server-Sent Events and the page refetches only then (no polling). Everything from the
// server is inserted as text (textContent / SVG text nodes), never as HTML.
(() => {
  'use strict';
  const prefix = document.body.dataset.prefix || '';
  const main = document.getElementById('main');
  const tokenInput = document.getElementById('token');
  const flash = document.getElementById('flash');
  const live = document.getElementById('live');
  const killBadge = document.getElementById('kill-badge');
  const SVGNS = 'http://www.w3.org/2000/svg';
  const api = p => prefix + '/api' + p;

  tokenInput.value = sessionStorage.getItem('tek-token') || '';
  tokenInput.addEventListener('change', async () => {
    sessionStorage.setItem('tek-token', tokenInput.value);
    if (needsLogin && tokenInput.value) { await startSession(); }
  });

  // ---- tiny DOM helpers -------------------------------------------------------------------
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    set(e, attrs);
    for (const k of kids.flat()) { if (k !== null && k !== undefined && k !== false) e.append(k instanceof Node ? k : String(k)); }
    return e;
  }
  function sv(tag, attrs, ...kids) {
    const e = document.createElementNS(SVGNS, tag);
    set(e, attrs);
    for (const k of kids.flat()) { if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k)); }
    return e;
  }
  function set(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
  }
  const fmtTime = t => t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : '–';
  const fmtShort = t => t ? new Date(t).toISOString().slice(11, 19) : '–';
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1) return ms.toFixed(2) + ' ms';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(2) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }
  const pct = r => r === null || r === undefined ? '–' : (r * 100).toFixed(1) + ' %';
  const status = s => el('span', { class: 'st ' + (s || 'pending'), text: s || 'pending' });

  function showFlash(text, error) {
    flash.textContent = text;
    flash.className = 'flash' + (error ? ' error' : '');
    flash.id = 'flash';
  }

  // ---- HTTP ------------------------------------------------------------------------------
  let needsLogin = false;
  class AuthError extends Error {}
  function headers(extra) {
    const h = Object.assign({ 'Accept': 'application/json' }, extra || {});
    if (tokenInput.value) h['X-TEK-Token'] = tokenInput.value;
    return h;
  }
  async function get(path, text) {
    const r = await fetch(api(path), { headers: headers(), credentials: 'same-origin', cache: 'no-store' });
    if (r.status === 401) { needsLogin = true; throw new AuthError((await r.json()).error); }
    if (!r.ok) { let m = r.statusText; try { m = (await r.json()).error || m; } catch { /* not JSON */ } throw new Error(m); }
    return text ? r.text() : r.json();
  }
  async function post(path, body) {
    const r = await fetch(api(path), {
      method: 'POST', credentials: 'same-origin',
      headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await r.json(); } catch { /* empty */ }
    return { ok: r.ok, status: r.status, data };
  }
  async function startSession() {
    const r = await post('/session');
    if (r.ok) { needsLogin = false; showFlash('Signed in for this browser session.'); connect(); refresh(); }
    else showFlash(r.data.error || 'The token was refused.', true);
  }

  // ---- live updates (Server-Sent Events) ---------------------------------------------------
  let source = null;
  function connect() {
    if (source) source.close();
    source = new EventSource(api('/events'));
    source.addEventListener('hello', () => { live.textContent = 'live'; live.className = 'live on'; refresh(); });
    source.addEventListener('changed', ev => {
      const topics = JSON.parse(ev.data).topics || [];
      if (topics.includes('control')) refreshKillBadge();
      if (page && page.topics.some(t => topics.includes(t))) refresh();
    });
    source.onerror = () => { live.textContent = 'offline'; live.className = 'live off'; };
  }

  // ---- routing and refreshing --------------------------------------------------------------
  let page = null;
  let busy = false, again = false;
  async function refresh() {
    if (!page) return;
    if (busy) { again = true; return; }
    busy = true;
    try {
      do {
        again = false;
        const current = page;
        try {
          const view = await current.load();
          if (current === page) { main.replaceChildren(view); }
        } catch (e) {
          if (current !== page) continue;
          if (e instanceof AuthError) main.replaceChildren(loginView(e.message));
          else main.replaceChildren(el('div', { class: 'panel' }, el('p', { class: 'empty', text: 'Could not load: ' + e.message })));
        }
      } while (again);
    } finally { busy = false; }
  }
  function route() {
    const parts = (location.hash.replace(/^#\/?/, '') || 'runs').split('/').map(decodeURIComponent);
    const name = pages[parts[0]] ? parts[0] : 'runs';
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === name);
    page = pages[name](parts.slice(1));
    document.body.dataset.page = name;
    refresh();
  }
  async function refreshKillBadge() {
    try { const o = await get('/overview'); killBadge.classList.toggle('hidden', !o.killSwitch.engaged); } catch { /* shown by the page */ }
  }
  function loginView(message) {
    return el('div', { class: 'panel' },
      el('h2', { text: 'Access token needed' }),
      el('p', { text: message }),
      el('p', { class: 'muted', text: 'Enter the dashboard token in the field at the top right; it opens a read session for this browser.' }));
  }

  // ---- charts ------------------------------------------------------------------------------
  function lineChart(series, opts) {
    const W = 520, H = 170, L = 48, R = 10, T = 10, B = 24;
    const xs = series.flatMap(s => s.points.map(p => p.x));
    const ys = series.flatMap(s => s.points.map(p => p.y)).filter(y => y !== null && y !== undefined);
    const svg = sv('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.label });
    if (xs.length === 0 || ys.length === 0) {
      svg.append(sv('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no data in this range'));
      return svg;
    }
    const xf = opts.xFormat || fmtShort;
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + (opts.xMinSpan ?? 60000));
    const y0 = 0, y1 = opts.yMax ?? (Math.max(...ys) * 1.1 || 1);
    const px = x => L + (x - x0) / (x1 - x0) * (W - L - R);
    const py = y => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
    for (let i = 0; i <= 4; i++) {
      const v = y0 + (y1 - y0) * i / 4;
      svg.append(sv('line', { class: 'grid', x1: L, x2: W - R, y1: py(v), y2: py(v) }));
      svg.append(sv('text', { x: L - 4, y: py(v) + 3, 'text-anchor': 'end' }, opts.yFormat(v)));
    }
    svg.append(sv('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
    svg.append(sv('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
    svg.append(sv('text', { x: L, y: H - 6 }, xf(x0)));
    svg.append(sv('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, xf(x1)));
    series.forEach((s, n) => {
      const i = s.cls ?? n;
      const pts = s.points.filter(p => p.y !== null && p.y !== undefined);
      if (pts.length === 0) return;
      svg.append(sv('path', { class: 's' + i, d: pts.map((p, j) => (j ? 'L' : 'M') + px(p.x).toFixed(1) + ' ' + py(p.y).toFixed(1)).join(' ') }));
      for (const p of pts) svg.append(sv('circle', { class: 'dot' + i, cx: px(p.x), cy: py(p.y), r: 2.5 }, sv('title', {}, `${s.name}: ${opts.yFormat(p.y)} at ${xf(p.x)}`)));
    });
    return svg;
  }
  const legend = (names, first) => el('div', { class: 'legend' }, names.map((n, i) => el('span', { class: 'l' + (i + (first || 0)), text: n })));

  // ---- the task graph --------------------------------------------------------------------
  function dag(tasks, selected, onPick) {
    const byId = new Map(tasks.map(t => [t.id, t]));
    const level = new Map();
    const depth = (id, seen) => {
      if (level.has(id)) return level.get(id);
      if (seen.has(id)) return 0;
      seen.add(id);
      const t = byId.get(id);
      const needs = (t.needs || []).filter(n => byId.has(n));
      const d = needs.length ? 1 + Math.max(...needs.map(n => depth(n, seen))) : 0;
      level.set(id, d);
      return d;
    };
    tasks.forEach(t => depth(t.id, new Set()));
    const columns = [];
    for (const t of tasks) { const d = level.get(t.id); (columns[d] = columns[d] || []).push(t); }
    const NW = 168, NH = 44, GX = 56, GY = 14, P = 14;
    const pos = new Map();
    columns.forEach((col, c) => col.forEach((t, r) => pos.set(t.id, { x: P + c * (NW + GX), y: P + r * (NH + GY) })));
    const W = P * 2 + columns.length * (NW + GX) - GX, H = P * 2 + Math.max(...columns.map(c => c.length)) * (NH + GY) - GY;
    const svg = sv('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'task graph' });
    for (const t of tasks) {
      for (const n of (t.needs || [])) {
        if (!pos.has(n)) continue;
        const a = pos.get(n), b = pos.get(t.id);
        const x1 = a.x + NW, y1 = a.y + NH / 2, x2 = b.x, y2 = b.y + NH / 2, mx = (x1 + x2) / 2;
        svg.append(sv('path', { class: 'edge', d: `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}` }));
      }
    }
    for (const t of tasks) {
      const p = pos.get(t.id);
      const title = (t.title || '').length > 24 ? t.title.slice(0, 23) + '…' : (t.title || '');
      const g = sv('g', { class: 'node' + (t.id === selected ? ' selected' : ''), 'data-task': t.id, 'data-status': t.status || 'pending', transform: `translate(${p.x} ${p.y})`, onclick: () => onPick(t.id) },
        sv('rect', { class: 'box', width: NW, height: NH }),
        sv('rect', { class: 'bar', width: 5, height: NH - 8, x: 4, y: 4 }),
        sv('text', { class: 'id', x: 16, y: 18 }, t.id),
        sv('text', { x: NW - 8, y: 18, 'text-anchor': 'end', class: 'stx' }, t.status || 'pending'),
        sv('text', { x: 16, y: 34 }, title),
        sv('title', {}, `${t.id} ${t.title || ''} — ${t.status}${t.duration_ms !== undefined ? ', ' + fmtMs(t.duration_ms) : ''}`));
      svg.append(g);
    }
    return el('div', { class: 'dag' }, svg);
  }

  // ---- pages -------------------------------------------------------------------------------
  const pages = {
    runs: args => ({
      topics: ['runs'],
      async load() {
        const runs = await get('/runs');
        const runId = args[0] || (runs[0] && runs[0].id);
        const list = el('div', { class: 'panel runlist' }, el('h3', { text: 'Runs' }),
          runs.length === 0 ? el('p', { class: 'empty', text: 'No runs yet: run a plan with a runs directory.' }) : null,
          runs.map(r => el('a', { href: '#/runs/' + encodeURIComponent(r.id), class: r.id === runId ? 'active' : null, 'data-run': r.id },
            status(r.status), ' ', el('span', { class: 'mono', text: r.id }), el('div', { class: 'muted', text: `${r.plan || ''} · ${r.tasks} tasks${r.dryRun ? ' · dry run' : ''}` }))));
        if (!runId) return el('div', {}, el('h2', { text: 'Runs' }), list);
        const run = await get('/runs/' + encodeURIComponent(runId));
        const tasks = run.tasks || [];
        const taskId = args[1] || null;
        const pick = id => { location.hash = '#/runs/' + encodeURIComponent(runId) + '/' + encodeURIComponent(id); };
        const counts = {};
        for (const t of tasks) counts[t.status] = (counts[t.status] || 0) + 1;
        const detail = el('div', {},
          el('div', { class: 'cards' },
            card('run', el('span', { class: 'mono', text: run.run_id })),
            card('status', status(run.status)),
            card('plan', run.plan ? run.plan.split('/').pop() : '–'),
            card('started (UTC)', fmtTime(run.started_at)),
            card('duration', fmtMs(run.duration_ms)),
            card('tasks', Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(' · ') || '0')),
          el('div', { class: 'panel' }, el('h3', { text: 'Task graph (live)' }), dag(tasks, taskId, pick)),
          el('div', { class: 'panel' }, el('h3', { text: 'Tasks' }),
            el('table', { id: 'tasks' }, el('tr', {}, ['task', 'title', 'agent', 'status', 'attempts', 'started', 'duration', 'reason'].map(h => el('th', { text: h }))),
              tasks.map(t => el('tr', { class: 'click' + (t.id === taskId ? ' sel' : ''), onclick: () => pick(t.id), 'data-task': t.id },
                el('td', { class: 'mono', text: t.id }), el('td', { text: t.title || '' }), el('td', { text: t.agent || '' }),
                el('td', {}, status(t.status)), el('td', { class: 'num', text: t.attempts ?? '' }),
                el('td', { text: fmtShort(t.started_at) }), el('td', { class: 'num', text: fmtMs(t.duration_ms) }),
                el('td', { class: 'muted', text: t.reason || '' }))))));
        if (taskId) {
          let log;
          try { log = await get(`/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(taskId)}/log`, true); } catch (e) { log = e.message; }
          detail.append(el('div', { class: 'panel' }, el('h3', { text: 'Log of ' + taskId }), el('pre', { class: 'log', id: 'task-log', text: log || '(empty)' })));
        }
        return el('div', {}, el('h2', { text: 'Runs' }), el('div', { class: 'cols' }, list, detail));
      },
    }),

    agents: () => ({
      topics: ['telemetry'],
      async load() {
        const a = await get('/agents?since=' + encodeURIComponent('1 hour ago'));
        if (!a.available) return el('div', { class: 'panel' }, el('h2', { text: 'Agents' }), el('p', { class: 'empty', text: 'No telemetry recorded yet under this runtime directory.' }));
        const o = a.overall;
        const toPoints = (s, f) => s.map(p => ({ x: Date.parse(p.minute), y: f(p) }));
        return el('div', {},
          el('h2', { text: 'Agents — last hour' }),
          el('div', { class: 'cards' }, card('tasks finished', o.finished), card('success', pct(o.successRate)), card('retries', o.retries),
            card('latency p50', fmtMs(o.p50Ms)), card('latency p99', fmtMs(o.p99Ms)), card('tokens', o.tokens), card('effects denied', o.effectsDenied)),
          el('div', { class: 'grid' }, a.agents.map(g => el('div', { class: 'panel', 'data-agent': g.metrics.agentId },
            el('h3', { text: g.metrics.agentId }),
            el('div', { class: 'muted', text: `${g.metrics.finished} finished · ${pct(g.metrics.successRate)} success · p50 ${fmtMs(g.metrics.p50Ms)} · p99 ${fmtMs(g.metrics.p99Ms)}` }),
            lineChart([
              { name: 'p50', points: toPoints(g.series, p => p.p50Ms) },
              { name: 'p99', points: toPoints(g.series, p => p.p99Ms) }], { label: 'latency', yFormat: fmtMs }),
            legend(['latency p50 per minute', 'latency p99 per minute']),
            lineChart([{ name: 'success', cls: 2, points: toPoints(g.series, p => p.successRate) }], { label: 'success rate', yFormat: v => Math.round(v * 100) + '%', yMax: 1 }),
            legend(['success rate per minute'], 2)))),
          a.agents.length === 0 ? el('p', { class: 'empty', text: 'No agent activity in the last hour.' }) : null,
          el('p', { class: 'muted', text: `store: ${a.store}` }));
      },
    }),

    loop: () => ({
      topics: ['telemetry', 'control'],
      async load() {
        const l = await get('/loop');
        const e = l.engine;
        const reason = el('input', { id: 'kill-reason', placeholder: 'reason (recorded in the audit trail)' });
        const kill = el('button', { id: 'kill-button', class: 'danger', onclick: () => control('/control/kill', { reason: reason.value }, 'Kill switch engaged') }, 'Engage kill switch');
        const clear = el('button', { id: 'clear-kill-button', onclick: () => control('/control/kill/clear', { reason: reason.value }, 'Kill switch cleared') }, 'Clear');
        const stop = el('button', { id: 'stop-button', onclick: () => control('/control/stop?graceful=true', { reason: reason.value }, 'Stop requested') }, 'Stop the loop (graceful)');
        const view = el('div', {},
          el('h2', { text: 'Autonomous loop' }),
          el('div', { class: 'panel' }, el('h3', { text: 'Kill switch' }),
            el('p', {}, 'State: ', el('span', { id: 'kill-state', class: 'kill-state ' + (l.killSwitch.engaged ? 'engaged' : 'off'), text: l.killSwitch.engaged ? 'engaged' : 'off' }),
              l.killSwitch.reason ? el('span', { class: 'muted', text: ' — ' + l.killSwitch.reason.split('\n')[0] }) : null),
            el('div', { class: 'control' }, reason, kill, clear, l.engineAvailable && l.engine && l.engine.running ? stop : null),
            el('p', { class: 'muted', text: 'Control actions need the access token (field at the top right) and are audited.' })));
        if (e && e.error) {
          view.append(el('div', { class: 'panel' }, el('p', { class: 'empty', text: 'The engine status cannot be read: ' + e.error })));
        } else if (e) {
          view.append(el('div', { class: 'cards', id: 'engine' }, card('phase', e.phase ?? '–'), card('iteration', e.iteration ?? '–'),
            card('last score', typeof e.lastScore === 'number' ? e.lastScore.toFixed(3) : '–'), card('running', e.running ? 'yes' : 'no'),
            card('updated (UTC)', fmtTime(e.updatedAt)), e.stopReason ? card('stopped because', e.stopReason) : null, e.stopRequested ? card('stop', 'requested') : null));
          const scores = (e.scores || []).map(x => ({ x: x.iteration, y: x.score }));
          view.append(el('div', { class: 'grid' },
            el('div', { class: 'panel' }, el('h3', { text: 'Score per iteration' }), scoreChart(scores)),
            el('div', { class: 'panel' }, el('h3', { text: 'Limits used' }),
              (e.limitsUsed || []).length === 0 ? el('p', { class: 'empty', text: 'No limits reported.' }) :
                el('table', { id: 'limits' }, el('tr', {}, ['limit', 'used', 'maximum', ''].map(x => el('th', { text: x }))),
                  e.limitsUsed.map(x => el('tr', {}, el('td', { text: x.name }), el('td', { class: 'num', text: fmtNum(x.used) }), el('td', { class: 'num', text: fmtNum(x.maximum) }),
                    el('td', {}, meter(x.fraction))))))));
          view.append(el('div', { class: 'panel' }, el('h3', { text: 'Pending approvals' }),
            (e.approvals || []).length === 0 ? el('p', { class: 'empty', text: 'Nothing waits for approval.' }) :
              el('table', { id: 'approvals' }, el('tr', {}, ['id', 'gate', 'what', 'requested', 'expires', ''].map(h => el('th', { text: h }))),
                e.approvals.map(a => el('tr', { 'data-approval': a.id }, el('td', { class: 'mono', text: a.id }), el('td', { text: a.gate }), el('td', { text: a.summary }),
                  el('td', { text: fmtTime(a.requestedAt) }), el('td', { text: a.expiresAt ? fmtTime(a.expiresAt) : 'never' }),
                  el('td', {}, el('button', { class: 'primary approve', onclick: () => control(`/control/approvals/${encodeURIComponent(a.id)}/approve`, {}, 'Approved ' + a.id) }, 'Approve'), ' ',
                    el('button', { class: 'reject', onclick: () => control(`/control/approvals/${encodeURIComponent(a.id)}/reject`, { reason: reason.value }, 'Rejected ' + a.id) }, 'Reject')))))));
        } else {
          view.append(el('div', { class: 'panel' }, el('p', { class: 'empty', text: 'No autonomous engine has run in this runtime directory yet (no state/status.json). Decisions recorded in telemetry are listed below.' })));
        }
        const h = l.history || { decisions: [], limits: [], kills: [] };
        view.append(el('div', { class: 'panel' }, el('h3', { text: 'Decisions (last 24 h)' }),
          h.decisions.length === 0 ? el('p', { class: 'empty', text: 'No decisions recorded.' }) :
            el('table', { id: 'decisions' }, el('tr', {}, ['time (UTC)', 'decision', 'reason', 'inputs', 'agent'].map(x => el('th', { text: x }))),
              h.decisions.map(d => el('tr', {}, el('td', { text: fmtTime(d.time) }), el('td', { text: d.decision || '' }), el('td', { text: d.reason || '' }),
                el('td', { class: 'muted', text: d.inputs || '' }), el('td', { text: d.agent || '' }))))));
        if (h.limits.length) {
          view.append(el('div', { class: 'panel' }, el('h3', { text: 'Limits hit' }), el('table', {},
            h.limits.map(d => el('tr', {}, el('td', { text: fmtTime(d.time) }), el('td', { text: d.limit }), el('td', { class: 'num', text: d.value }), el('td', { text: d.task || d.agent || '' }))))));
        }
        return view;
      },
    }),

    audit: () => {
      const filter = { since: '1 day ago', kind: '', agent: '', text: '' };
      const p = {
        topics: ['audit'],
        async load() {
          const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString();
          const a = await get('/audit?' + q);
          const v = a.verification;
          const banner = v ? el('div', { id: 'verification', class: 'verify ' + (v.valid ? 'ok' : 'bad'), 'data-valid': String(v.valid) },
            v.valid ? `✔ Audit chain verified: ${v.rowsChecked} rows, chain head at row ${v.headSequence ?? '–'}.`
              : `✘ Audit chain does NOT verify: first bad row ${v.firstBadSequence ?? '–'}: ${v.problem}`)
            : el('div', { id: 'verification', class: 'verify none', text: a.verificationError || 'No audit trail yet.' });
          const input = (name, attrs) => { const i = el('input', Object.assign({ value: filter[name], 'data-filter': name }, attrs)); i.addEventListener('change', () => { filter[name] = i.value; refresh(); }); return i; };
          const kind = el('select', { 'data-filter': 'kind' }, ['', 'EffectPerformed', 'EffectDenied', 'Decision', 'ConfigurationChanged', 'KillSwitch'].map(k => el('option', { value: k, selected: k === filter.kind, text: k || 'all kinds' })));
          kind.addEventListener('change', () => { filter.kind = kind.value; refresh(); });
          const since = el('select', { 'data-filter': 'since' }, ['1 hour ago', '1 day ago', '7 days ago', '30 days ago'].map(k => el('option', { value: k, selected: k === filter.since, text: k })));
          since.addEventListener('change', () => { filter.since = since.value; refresh(); });
          return el('div', {},
            el('h2', { text: 'Audit trail' }), banner,
            el('div', { class: 'panel' },
              el('div', { class: 'filters' }, el('label', {}, 'since', since), el('label', {}, 'kind', kind), el('label', {}, 'agent', input('agent', { placeholder: 'any' })),
                el('label', {}, 'contains', input('text', { placeholder: 'capability, reason, target…' }))),
              a.entries.length === 0 ? el('p', { class: 'empty', text: 'No audit entries match.' }) :
                el('table', { id: 'audit' }, el('tr', {}, ['#', 'time (UTC)', 'kind', 'agent', 'task', 'what', 'why', 'detail', 'hash'].map(x => el('th', { text: x }))),
                  a.entries.map(e => el('tr', { 'data-kind': e.kind }, el('td', { class: 'num', text: e.seq }), el('td', { text: fmtTime(e.time) }), el('td', { text: e.kind }),
                    el('td', { text: e.agent || '' }), el('td', { class: 'mono', text: e.task || '' }), el('td', { text: e.what || '' }), el('td', { text: e.why || '' }),
                    el('td', { class: 'muted', text: e.detail || '' }), el('td', { class: 'mono muted', text: e.hash || '' }))))));
        },
      };
      return p;
    },

    alerts: () => ({
      topics: ['telemetry'],
      async load() {
        const a = await get('/alerts');
        return el('div', {},
          el('h2', { text: 'Alerts' }),
          el('div', { class: 'panel' }, el('h3', { text: 'Active' }),
            a.active.length === 0 ? el('p', { class: 'empty', id: 'no-alerts', text: 'No alert is raised.' }) :
              el('div', { class: 'cards' }, a.active.map(x => el('div', { class: 'card alert', 'data-alert': x.alert },
                el('div', { class: 'v', text: x.alert }), el('div', { class: 'k', text: `${x.agent || 'all agents'} · value ${fmtNum(x.value)} over threshold ${x.threshold} · ${x.measured} tasks · since ${fmtTime(x.time)}` }))))),
          el('div', { class: 'panel' }, el('h3', { text: 'History (last 24 h)' }),
            a.events.length === 0 ? el('p', { class: 'empty', text: 'No alerts raised or cleared. Thresholds are set in telemetry.toml.' }) :
              el('table', {}, el('tr', {}, ['time (UTC)', 'alert', 'state', 'agent', 'value', 'threshold', 'tasks'].map(x => el('th', { text: x }))),
                a.events.map(x => el('tr', {}, el('td', { text: fmtTime(x.time) }), el('td', { text: x.alert }), el('td', {}, el('span', { class: 'st ' + (x.state === 'raised' ? 'failed' : 'ok'), text: x.state })),
                  el('td', { text: x.agent || 'all' }), el('td', { class: 'num', text: fmtNum(x.value) }), el('td', { text: x.threshold || '' }), el('td', { class: 'num', text: x.measured }))))));
      },
    }),
  };

  const fmtNum = v => typeof v === 'number' ? (Math.abs(v) < 10 ? v.toFixed(3) : v.toFixed(0)) : '–';
  function meter(f) {
    const w = Math.max(0, Math.min(1, f || 0));
    return sv('svg', { width: 120, height: 10, class: 'meter' }, sv('rect', { width: 120, height: 10, rx: 3, class: 'track' }),
      sv('rect', { width: Math.round(120 * w), height: 10, rx: 3, class: w >= 1 ? 'fill full' : w >= 0.8 ? 'fill high' : 'fill' }));
  }
  function card(k, v) { return el('div', { class: 'card' }, el('div', { class: 'k', text: k }), el('div', { class: 'v' }, v ?? '–')); }
  function scoreChart(scores) {
    if (scores.length === 0) return el('p', { class: 'empty', text: 'No scores yet.' });
    return el('div', {}, lineChart([{ name: 'score', points: scores }], { label: 'score', yFormat: v => v.toFixed(2), xFormat: v => 'iteration ' + v, xMinSpan: 1 }));
  }
  async function control(path, body, done) {
    if (!tokenInput.value) { showFlash('This action needs the access token: enter it in the field at the top right.', true); return; }
    const r = await post(path, body);
    if (r.ok) showFlash(`${done} (audit: ${r.data.audit || 'recorded'}).`);
    else showFlash(r.data.error || `refused (${r.status})`, true);
    refreshKillBadge();
    refresh();
  }

  window.addEventListener('hashchange', route);
  route();
  connect();
  refreshKillBadge();
})();
