// The dashboard's script. It builds every element with createElement and
// textContent (never innerHTML), so text from git is always shown as text.
// Live updates come from server-sent events (/events); without them (an old
// browser, a proxy, too many streams) it polls /api/overview?since=HEAD.
'use strict';
(function () {
  window.__loadId = Math.random().toString(36).slice(2);
  var POLL_MS = 2000;
  var state = { head: null, view: null, data: null, polling: false };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function safeHref(url) { return /^https?:\/\//.test(url || '') ? url : ''; }
  function enc(s) { return encodeURIComponent(s); }
  function canaryPath(ns, name) { return '/canary/' + enc(ns) + '/' + enc(name); }

  function route() {
    var m = /^\/canary\/([^/]+)\/(.+)$/.exec(location.pathname);
    if (!m) return { kind: 'overview', api: '/api/overview' };
    var ns = decodeURIComponent(m[1]), name = decodeURIComponent(m[2]);
    return { kind: 'canary', ns: ns, name: name, api: '/api/canary/' + enc(ns) + '/' + enc(name) };
  }

  function ago(iso) {
    if (!iso) return '-';
    var t = Date.parse(iso);
    if (isNaN(t)) return iso;
    var s = Math.max(0, Math.round((Date.now() - t) / 1000));
    if (s < 60) return s + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ago';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm ago';
    return Math.floor(s / 86400) + 'd ago';
  }
  function timeCell(iso) {
    var td = el('td', 'time', ago(iso));
    td.dataset.time = iso || '';
    td.title = iso || '';
    return td;
  }
  function weightCell(row) {
    var td = el('td', 'weight-cell');
    var bar = el('span', 'bar'), fill = el('span', 'fill');
    fill.style.display = 'block';
    fill.style.width = Math.max(0, Math.min(100, Number(row.weight) || 0)) + '%';
    add(bar, fill);
    add(td, bar, el('span', 'weight', row.weight + '%'));
    td.title = 'weight ' + row.weight + '% (max ' + row.max_weight + '%)';
    return td;
  }
  function failedCell(row) {
    var td = el('td', 'num' + (row.failed_checks >= row.threshold ? ' over' : ''), row.failed_checks + ' / ' + row.threshold);
    td.title = 'failed checks / threshold';
    return td;
  }
  function phaseCell(row) { return el('td', 'phase phase-' + row.phase, row.phase); }

  function header(data) {
    var where = document.getElementById('where');
    where.textContent = '';
    add(where, el('span', null, data.repo + ' · ' + data.branch + ' @ '));
    var short = (data.head || '').slice(0, 7) || '-';
    var href = safeHref(data.head_url);
    if (href) { var a = el('a', null, short); a.href = href; a.rel = 'noreferrer'; add(where, a); }
    else add(where, el('code', null, short));
    document.body.dataset.head = data.head || '';
  }

  function renderOverview(data) {
    var main = document.getElementById('main');
    main.textContent = '';
    document.title = 'gitcanary · ' + data.branch;
    var table = el('table', 'canaries');
    var thead = el('thead'), tr = el('tr');
    ['Namespace', 'Name', 'Provider', 'Phase', 'Weight', 'Failed', 'Last transition', 'Revision', 'App']
      .forEach(function (h) { add(tr, el('th', null, h)); });
    add(table, add(thead, tr));
    var tbody = el('tbody');
    data.canaries.forEach(function (c) {
      var row = el('tr');
      row.dataset.id = c.id;
      var link = el('a', null, c.name);
      link.href = canaryPath(c.namespace, c.name);
      var name = add(el('td', 'name'), link);
      if (c.error) add(name, el('div', 'error', c.error));
      add(row, el('td', null, c.namespace), name, el('td', null, c.provider), phaseCell(c), weightCell(c),
          failedCell(c), timeCell(c.last_transition), add(el('td'), el('code', null, (c.revision || '').slice(0, 12))),
          el('td', null, c.app));
      add(tbody, row);
    });
    add(table, tbody);
    add(main, el('h1', null, data.canaries.length + (data.canaries.length === 1 ? ' canary' : ' canaries')));
    if (data.canaries.length === 0) add(main, el('p', 'muted', 'No canary on this branch yet.'));
    else add(main, table);
    if (data.halted_apps.length > 0) {
      add(main, el('h2', null, 'Apps that do not load'));
      var list = el('ul');
      data.halted_apps.forEach(function (h) {
        add(list, add(el('li'), el('code', null, h.app), el('div', 'error', h.error)));
      });
      add(main, list);
    }
  }

  function metricText(m) {
    var v = m.value === null ? 'no data' : String(m.value);
    var range = '';
    if (m.min !== null && m.max !== null) range = ' (' + m.min + '..' + m.max + ')';
    else if (m.min !== null) range = ' (>= ' + m.min + ')';
    else if (m.max !== null) range = ' (<= ' + m.max + ')';
    return m.name + ' ' + v + range;
  }
  function outOfRange(m) {
    return m.value === null || (m.min !== null && m.value < m.min) || (m.max !== null && m.value > m.max);
  }

  function renderCanary(data, r) {
    var main = document.getElementById('main');
    main.textContent = '';
    var c = data.canary;
    document.title = 'gitcanary · ' + c.id;
    add(main, add(el('p'), (function () { var a = el('a', null, '← all canaries'); a.href = '/'; return a; })()));
    add(main, el('h1', null, c.id));
    var facts = el('dl', 'facts');
    function fact(k, v) { add(facts, el('dt', null, k), v.nodeType ? v : el('dd', null, v)); }
    fact('phase', add(el('dd'), el('span', 'phase phase-' + c.phase, c.phase)));
    var w = weightCell(c); var wd = el('dd'); while (w.firstChild) wd.appendChild(w.firstChild); fact('weight', wd);
    fact('failed checks', c.failed_checks + ' of threshold ' + c.threshold);
    fact('provider', c.provider);
    fact('last transition', c.last_transition ? c.last_transition + ' (' + ago(c.last_transition) + ')' : '-');
    fact('revision', c.revision || '-');
    fact('app', c.app);
    add(main, facts);
    if (c.error) add(main, el('p', 'error', c.error));
    add(main, el('h2', null, 'Operator commands'));
    add(main, el('p', 'muted', 'Run these where git can push; this page only shows them.'));
    data.commands.forEach(function (cmd) { add(main, el('pre', 'command', cmd)); });
    add(main, el('h2', null, 'Timeline'));
    if (data.history_error) { add(main, el('p', 'error', data.history_error)); return; }
    var img = el('img', 'chart');
    img.alt = 'timeline chart of ' + c.id;
    img.src = '/api/chart/' + enc(r.ns) + '/' + enc(r.name) + '.svg?head=' + enc(data.head);
    add(main, img);
    add(main, el('h2', null, 'Decisions, newest first'));
    var table = el('table', 'decisions'), tr = el('tr');
    ['Time', 'Phase', 'Weight', 'Failed', 'Decision and evidence', 'Commit'].forEach(function (h) { add(tr, el('th', null, h)); });
    add(table, add(el('thead'), tr));
    var tbody = el('tbody');
    data.decisions.forEach(function (d) {
      var row = el('tr', d.kind);
      var what = add(el('td'), el('div', 'subject', d.subject));
      if (d.metrics.length) {
        var ml = el('div', 'metrics');
        d.metrics.forEach(function (m, i) {
          if (i) add(ml, document.createTextNode(' · '));
          add(ml, el('span', outOfRange(m) ? 'over' : null, metricText(m)));
        });
        add(what, ml);
      }
      if (d.evidence.length) {
        var det = add(el('details'), el('summary', null, 'analysis note (' + d.evidence.length + ' lines)'));
        var ul = el('ul', 'evidence');
        d.evidence.forEach(function (line) { add(ul, el('li', null, line)); });
        add(what, add(det, ul));
      }
      var commit = el('td');
      var href = safeHref(d.url);
      if (href) { var a = el('a', null, d.short); a.href = href; a.rel = 'noreferrer'; add(commit, a); }
      else add(commit, el('code', null, d.short));
      add(row, el('td', 'time', d.time), el('td', 'phase phase-' + (d.phase || ''), d.phase || 'app change'),
          el('td', 'num', d.weight === null ? '-' : d.weight + '%'),
          el('td', 'num', d.failed_checks === null ? '-' : d.failed_checks), what, commit);
      add(tbody, row);
    });
    add(main, add(table, tbody));
  }

  function render(data) {
    state.data = data;
    state.head = data.head;
    header(data);
    if (state.view.kind === 'overview') renderOverview(data);
    else renderCanary(data, state.view);
  }

  function showError(text) {
    var main = document.getElementById('main');
    main.textContent = '';
    add(main, el('p', 'error', text));
  }

  function load() {
    return fetch(state.view.api, { credentials: 'omit', cache: 'no-store' }).then(function (res) {
      if (res.status === 404) { showError('No such canary at the branch head.'); return; }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json().then(render);
    }).catch(function (e) { setLive('off', 'cannot load: ' + e.message); });
  }

  function setLive(kind, text) {
    var live = document.getElementById('live');
    live.className = 'live ' + kind;
    live.textContent = text;
  }

  function poll() {
    if (state.polling) return;
    state.polling = true;
    setLive('poll', 'live (polling)');
    setInterval(function () {
      fetch('/api/overview?since=' + enc(state.head || ''), { credentials: 'omit', cache: 'no-store' })
        .then(function (res) { if (res.status === 200) load(); })
        .catch(function () { setLive('off', 'disconnected'); });
    }, POLL_MS);
  }

  function listen() {
    if (!window.EventSource) return poll();
    var es = new EventSource('/events');
    es.addEventListener('head', function (ev) {
      setLive('on', 'live');
      if (ev.data !== state.head) load();
    });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) { es.close(); poll(); }
      else setLive('poll', 'reconnecting');
    };
  }

  function tick() {
    var cells = document.querySelectorAll('td.time[data-time]');
    for (var i = 0; i < cells.length; i++) cells[i].textContent = ago(cells[i].dataset.time);
  }

  document.addEventListener('DOMContentLoaded', function () {
    state.view = route();
    load().then(listen);
    setInterval(tick, 10000);
  });
})();
