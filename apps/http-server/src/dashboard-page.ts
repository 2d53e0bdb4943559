/**
 * The dashboard page: one HTML document with inline CSS and JS, no external resources (the page
 * must work offline and under a strict CSP). Charts are hand-drawn SVG polylines. The script
 * reads `/dashboard/events` with fetch (so it can send an admin key kept in sessionStorage),
 * parses the SSE stream and redraws. No backticks or `${` below: this is a template literal.
 */

const style = `
:root {
  color-scheme: dark; --bg:#0f1420; --card:#171e2e; --line:#26304a; --text:#e6eaf2; --muted:#8b96ad;
  --ok:#3ecf8e; --warn:#f5a524; --bad:#f25f5c; --accent:#6ea8fe;
}
* { box-sizing: border-box; }
body {
  margin:0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg);
  color:var(--text);
}
header { display:flex; align-items:center; gap:16px; padding:14px 24px; border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; font-weight:600; }
#status { margin-left:auto; color:var(--muted); font-size:12px; }
#status.live::before { content:"\\25CF  "; color:var(--ok); }
#status.down::before { content:"\\25CF  "; color:var(--bad); }
#simulated-banner {
  display:none; background:repeating-linear-gradient(45deg,#5a3b00,#5a3b00 12px,#6b4700 12px,#6b4700 24px);
  color:#ffd98a; font-weight:700; letter-spacing:.08em; text-align:center; padding:8px;
}
body.simulated #simulated-banner { display:block; }
main { padding:20px 24px; display:grid; gap:16px; grid-template-columns: repeat(12, 1fr); }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.kpi { grid-column: span 2; }
.kpi .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.05em; }
.kpi .value { font-size:26px; font-weight:600; margin-top:4px; font-variant-numeric: tabular-nums; }
.wide { grid-column: span 6; }
.full { grid-column: span 12; }
h2 {
  font-size:13px; margin:0 0 10px; color:var(--muted); text-transform:uppercase; letter-spacing:.05em; font-weight:600;
}
table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--muted); font-weight:500; font-size:12px; }
.pill { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; }
.pill.closed { background:#12392a; color:var(--ok); } .pill.open { background:#4a1d1f; color:var(--bad); }
.pill.half-open { background:#4a3a12; color:var(--warn); }
.status-ok { color:var(--ok); } .status-client { color:var(--warn); } .status-error { color:var(--bad); }
svg { width:100%; height:160px; display:block; }
.legend { display:flex; gap:14px; font-size:12px; color:var(--muted); margin-top:6px; }
.legend i { display:inline-block; width:10px; height:3px; margin-right:5px; vertical-align:middle; }
.bar-row {
  display:grid; grid-template-columns: 90px 1fr 60px; align-items:center; gap:8px; margin:6px 0; font-size:12px;
}
.bar { height:14px; background:#0f1420; border-radius:4px; overflow:hidden; display:flex; }
.bar span { display:block; height:100%; }
#login { display:none; grid-column: span 12; }
#login.show { display:block; }
input {
  background:#0f1420; border:1px solid var(--line); color:var(--text); padding:6px 8px; border-radius:6px; width:320px;
}
button {
  background:var(--accent); color:#08101f; border:0; padding:7px 12px; border-radius:6px; font-weight:600;
  cursor:pointer;
}
`;

const script = `
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var fmtMs = function (v) { return v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms'; };
  var pct = function (v) { return (v * 100).toFixed(1) + '%'; };
  var entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
  var esc = function (v) {
    return String(v == null ? '-' : v).replace(/[&<>"]/g, function (c) { return entities[c]; });
  };
  var updates = 0;

  function line(values, max, width, height, color) {
    if (values.length === 0) return '';
    var step = width / Math.max(1, values.length - 1);
    var pts = values.map(function (v, i) {
      return (i * step).toFixed(1) + ',' + (height - (v / max) * (height - 8) - 4).toFixed(1);
    }).join(' ');
    return '<polyline fill="none" stroke="' + color + '" stroke-width="2" stroke-linejoin="round" points="' +
      pts + '"/>';
  }
  function chart(svg, seriesList) {
    var width = 600, height = 160, max = 1;
    seriesList.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); });
    var grid = '';
    for (var g = 1; g < 4; g++) {
      var y = (height / 4) * g;
      grid += '<line x1="0" x2="' + width + '" y1="' + y + '" y2="' + y + '" stroke="#26304a" stroke-dasharray="3 4"/>';
    }
    var label = '<text x="4" y="14" fill="#8b96ad" font-size="11">max ' + esc(seriesList[0].format(max)) + '</text>';
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('preserveAspectRatio', 'none');
    var lines = seriesList.map(function (s) { return line(s.values, max, width, height, s.color); });
    svg.innerHTML = grid + lines.join('') + label;
  }

  function render(snap) {
    updates += 1;
    document.body.classList.toggle('simulated', !!snap.simulated);
    document.body.dataset.updates = String(updates);
    var t = snap.totals;
    $('total-requests').textContent = String(t.requests);
    $('total-resumed').textContent = String(t.resumed);
    $('total-errors').textContent = String(t.errors);
    $('error-rate').textContent = pct(t.errorRate);
    $('p50').textContent = fmtMs(t.p50);
    $('p95').textContent = fmtMs(t.p95);
    $('in-flight').textContent = t.inFlight + ' / ' + t.queued;
    $('providers').innerHTML = snap.providers.map(function (p) {
      var models = (p.models || []).map(function (m) {
        return ' <span class="pill ' + esc(m.state) + ' model-breaker" title="this model only">' + esc(m.model) +
          (m.key ? ' #' + m.key : '') + ' ' + esc(m.state) + '</span>';
      }).join('');
      var credentials = p.credentials
        ? ' <span class="pill open credentials" title="the provider rejected the gateway key">' +
          (p.credentials === 'held' ? 'key rejected' : 'a key rejected') + '</span>'
        : '';
      return '<tr data-provider="' + esc(p.id) + '"><td>' + esc(p.id) + '</td><td><span class="pill ' +
        esc(p.breaker) + '">' + esc(p.breaker) + '</span>' + models + credentials + '</td>' +
        '<td class="in-flight">' + p.inFlight + '</td><td class="queued">' + p.queued + '</td>' +
        '<td class="requests">' + p.requests + '</td>' +
        '<td class="p50">' + fmtMs(p.p50) + '</td><td class="p95">' + fmtMs(p.p95) + '</td>' +
        '<td class="error-rate">' + pct(p.errorRate) + '</td></tr>';
    }).join('');
    var maxLoad = 1;
    snap.providers.forEach(function (p) { if (p.inFlight + p.queued > maxLoad) maxLoad = p.inFlight + p.queued; });
    $('load').innerHTML = snap.providers.map(function (p) {
      return '<div class="bar-row"><span>' + esc(p.id) + '</span><div class="bar">' +
        '<span style="width:' + (p.inFlight / maxLoad) * 100 + '%;background:#6ea8fe"></span>' +
        '<span style="width:' + (p.queued / maxLoad) * 100 + '%;background:#f5a524"></span></div>' +
        '<span>' + p.inFlight + ' / ' + p.queued + '</span></div>';
    }).join('');
    var errorsBy = snap.providers.map(function (p) {
      return '<div class="bar-row"><span>' + esc(p.id) + '</span><div class="bar">' +
        '<span style="width:' + p.errorRate * 100 + '%;background:#f25f5c"></span></div>' +
        '<span>' + pct(p.errorRate) + '</span></div>';
    }).join('');
    $('error-bars').innerHTML = errorsBy;
    chart($('chart-requests'), [
      {
        values: snap.series.map(function (s) { return s.requests; }),
        color: '#6ea8fe',
        format: function (v) { return v + ' req/s'; },
      },
      { values: snap.series.map(function (s) { return s.errors; }), color: '#f25f5c', format: String },
    ]);
    chart($('chart-latency'), [
      { values: snap.series.map(function (s) { return s.p95; }), color: '#3ecf8e', format: fmtMs },
    ]);
    $('recent').innerHTML = snap.recent.map(function (r) {
      var cls = r.status < 400 ? 'status-ok' : r.status < 500 && r.status !== 429 ? 'status-client' : 'status-error';
      return '<tr><td>' + new Date(r.time).toLocaleTimeString() + '</td><td>' + esc(r.route) + '</td>' +
        '<td>' + esc(r.provider) + '</td><td>' + esc(r.model) + '</td>' +
        '<td class="' + cls + '">' + r.status + '</td><td>' + fmtMs(r.latencyMs) + '</td></tr>';
    }).join('');
    $('updated').textContent = new Date(snap.time).toLocaleTimeString();
    renderSpend(snap.spend || { today: [], month: [], budgets: [], cacheHitRate: 0, failovers: {}, streamRescues: {} });
  }

  function usd(v) { return '$' + (v < 0.01 ? v.toFixed(6) : v.toFixed(2)); }
  function spendRows(list) {
    return list.map(function (l) {
      return '<tr><td>' + esc(l.apiKeyId || '-') + '</td><td>' + esc(l.provider) + '/' + esc(l.model) + '</td>' +
        '<td>' + usd(l.cost) + '</td></tr>';
    }).join('');
  }
  function renderSpend(sp) {
    $('spend-today').innerHTML = spendRows(sp.today);
    $('spend-month').innerHTML = spendRows(sp.month);
    $('budgets').innerHTML = sp.budgets.map(function (b) {
      var used = b.limit ? Math.min(1, b.spent / b.limit) : 0;
      var color = used >= 1 ? '#f25f5c' : b.alertAt !== null && used >= b.alertAt ? '#f5a524' : '#3ecf8e';
      return '<div class="bar-row" data-key="' + esc(b.apiKeyId) + '"><span>' + esc(b.name) +
        ' (' + esc(b.period) + ')</span><div class="bar">' +
        '<span style="width:' + used * 100 + '%;background:' + color + '"></span></div>' +
        '<span>' + usd(b.spent) + ' / ' + usd(b.limit) + '</span></div>';
    }).join('');
    $('cache-hit-rate').textContent = pct(sp.cacheHitRate);
    var ids = Object.keys(sp.failovers).concat(Object.keys(sp.streamRescues)).filter(function (id, i, all) {
      return all.indexOf(id) === i;
    });
    $('rescues').innerHTML = ids.map(function (id) {
      return '<tr><td>' + esc(id) + '</td><td>' + (sp.failovers[id] || 0) + '</td>' +
        '<td>' + (sp.streamRescues[id] || 0) + '</td></tr>';
    }).join('');
  }

  function setStatus(text, live) { var el = $('status'); el.textContent = text; el.className = live ? 'live' : 'down'; }

  async function connect() {
    var key = sessionStorage.getItem('exai-admin-key');
    var headers = key ? { authorization: 'Bearer ' + key } : {};
    try {
      var response = await fetch('/dashboard/events', { headers: headers, cache: 'no-store' });
      if (response.status === 401 || response.status === 403) {
        $('login').classList.add('show');
        setStatus('admin key needed', false);
        return;
      }
      if (!response.ok || !response.body) throw new Error('HTTP ' + response.status);
      $('login').classList.remove('show');
      setStatus('live', true);
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = '';
      for (;;) {
        var part = await reader.read();
        if (part.done) break;
        buffer += decoder.decode(part.value, { stream: true });
        var events = buffer.split('\\n\\n');
        buffer = events.pop();
        events.forEach(function (event) {
          var data = event.split('\\n')
            .filter(function (l) { return l.indexOf('data: ') === 0; })
            .map(function (l) { return l.slice(6); })
            .join('\\n');
          if (data) render(JSON.parse(data));
        });
      }
    } catch (error) { /* reconnect below */ }
    setStatus('reconnecting', false);
    setTimeout(connect, 2000);
  }
  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem('exai-admin-key', $('admin-key').value);
    connect();
  });
  connect();
})();
`;

const body = `
<div id="simulated-banner" role="alert">SIMULATED &mdash; no provider key is configured; every answer comes from
the built-in simulator</div>
<header><h1>EX-AI gateway</h1><span style="color:#8b96ad">live dashboard</span>
<span id="status" class="down">connecting</span></header>
<main>
  <section id="login" class="card"><h2>Admin key</h2>
    <p style="color:#8b96ad">A key from EXAI_ADMIN_KEYS, or start the server with EXAI_LOOPBACK_ADMIN=1 to watch it
    from this machine.</p>
    <form id="login-form"><input id="admin-key" type="password" placeholder="admin API key" autocomplete="off">
    <button type="submit">Connect</button></form></section>
  <section class="card kpi"><div class="label">Requests</div><div class="value" id="total-requests">0</div></section>
  <section class="card kpi"><div class="label">Errors (5xx/429)</div>
    <div class="value" id="total-errors">0</div></section>
  <section class="card kpi"><div class="label">Streams resumed</div>
    <div class="value" id="total-resumed">0</div></section>
  <section class="card kpi"><div class="label">Error rate</div><div class="value" id="error-rate">0.0%</div></section>
  <section class="card kpi"><div class="label">Latency p50</div><div class="value" id="p50">0 ms</div></section>
  <section class="card kpi"><div class="label">Latency p95</div><div class="value" id="p95">0 ms</div></section>
  <section class="card kpi"><div class="label">In flight / queued</div>
    <div class="value" id="in-flight">0 / 0</div></section>
  <section class="card wide"><h2>Requests per second (last 60 s)</h2>
    <svg id="chart-requests" role="img" aria-label="requests per second"></svg>
    <div class="legend"><span><i style="background:#6ea8fe"></i>requests</span>
    <span><i style="background:#f25f5c"></i>errors</span></div></section>
  <section class="card wide"><h2>Latency p95 (last 60 s)</h2>
    <svg id="chart-latency" role="img" aria-label="p95 latency"></svg>
    <div class="legend"><span><i style="background:#3ecf8e"></i>p95 per second</span></div></section>
  <section class="card full"><h2>Providers</h2><table><thead><tr><th>provider</th><th>breaker</th>
    <th>in flight</th><th>queued</th><th>requests</th><th>p50</th><th>p95</th><th>error rate</th></tr></thead>
    <tbody id="providers"></tbody></table></section>
  <section class="card wide"><h2>In flight / queued per provider</h2><div id="load"></div>
    <div class="legend"><span><i style="background:#6ea8fe"></i>in flight</span>
    <span><i style="background:#f5a524"></i>queued</span></div></section>
  <section class="card wide"><h2>Error rate per provider</h2><div id="error-bars"></div></section>
  <section class="card kpi"><div class="label">Cache hit rate</div>
    <div class="value" id="cache-hit-rate">0.0%</div></section>
  <section class="card wide"><h2>Spend today (UTC)</h2>
    <table><thead><tr><th>key</th><th>model</th><th>cost</th></tr></thead>
    <tbody id="spend-today"></tbody></table></section>
  <section class="card wide"><h2>Spend this month</h2>
    <table><thead><tr><th>key</th><th>model</th><th>cost</th></tr></thead>
    <tbody id="spend-month"></tbody></table></section>
  <section class="card wide"><h2>Budgets</h2><div id="budgets"></div></section>
  <section class="card wide"><h2>Fail-overs and stream rescues</h2>
    <table><thead><tr><th>provider</th><th>fail-overs from</th><th>streams rescued</th></tr></thead>
    <tbody id="rescues"></tbody></table></section>
  <section class="card full"><h2>Recent requests &middot; updated <span id="updated">-</span></h2>
    <table><thead><tr><th>time</th><th>route</th><th>provider</th><th>model</th><th>status</th><th>latency</th></tr>
    </thead><tbody id="recent"></tbody></table></section>
</main>`;

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>EX-AI gateway · dashboard</title><link rel="icon" href="data:,"><style>${style}</style></head>
<body>${body}<script>${script}</script></body></html>`;

/** The whole page; the same string every time (built once at import). */
export function dashboardPage(): string {
  return page;
}
