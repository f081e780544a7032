/*
 * llama-sae feature dashboard. Plain JavaScript, no dependencies, nothing fetched from the network:
 * data arrives through <script> files that call LlamaSae.index(...) and LlamaSae.feature(...), which
 * works from file:// where fetch() of local JSON is refused.
 */
(function () {
  'use strict';
  var L = window.LlamaSae = {};
  var SHOW = 400;          // rows rendered before "show all": keeps the first paint fast on 8k+ features

  L.index = function (data) { L.indexData = data; };
  L.feature = function (data) { L.featureData = data; if (L.onFeature) L.onFeature(data); };

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }
  function fmt(x, digits) {
    if (x == null || !isFinite(x)) return '–';
    var a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
    return x.toFixed(digits == null ? 3 : digits);
  }
  function pct(x) { return x == null ? '–' : (100 * x).toFixed(x < 0.001 && x > 0 ? 3 : 1) + ' %'; }
  function badge(type) { return el('span', {cls: 'badge t-' + type, text: type}); }
  // newlines and tabs as visible marks, so a token never breaks a line
  function visible(t) { return t.replace(/\n/g, '\u21b5').replace(/\t/g, '\u21e5'); }
  function chip(t) { return el('span', {cls: 'chip', text: visible(t)}); }
  function sectionLabel(m) { return 'layer ' + m.layer + ' · pos ' + m.position; }
  function featureHref(section, f) { return 'feature.html?s=' + encodeURIComponent(section) + '&f=' + f; }
  function parseHash() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf('=');
      out[decodeURIComponent(i < 0 ? kv : kv.slice(0, i))] = i < 0 ? '' : decodeURIComponent(kv.slice(i + 1));
    });
    return out;
  }

  /* ---------------------------------------------------------------- index */
  L.initIndex = function () {
    var app = document.getElementById('app');
    var data = L.indexData;
    if (!data) { app.textContent = ''; app.appendChild(el('p', {cls: 'error', text: 'index-data.js is missing or empty.'})); return; }
    var sections = data.sections.map(function (s) { return s.meta; });
    var rows = [];
    data.sections.forEach(function (s, si) {
      s.rows.forEach(function (r) {
        rows.push({s: si, layer: s.meta.layer, pos: s.meta.position, f: r[0], rank: r[1], freq: r[2], max: r[3],
          soundType: r[4], soundDesc: r[5], seedType: r[6], seedDesc: r[7], toks: r[8],
          toksNorm: r[8].map(function (t) { return t.trim().toLowerCase(); })});
      });
    });
    var h = parseHash();
    var state = {section: h.section || h.s || '', mode: h.mode === 'seed' ? 'seed' : 'sound', type: h.type || '',
      fmin: h.fmin || '', fmax: h.fmax || '', q: h.q || '', tok: h.tok || '', sort: h.sort || 'layer', asc: h.asc !== '0', all: false};
    if (!h.section && h.layer != null) {
      sections.forEach(function (m) { if (String(m.layer) === h.layer && (h.pos == null || String(m.position) === h.pos)) state.section = m.id; });
    }

    app.textContent = '';
    var title = el('h1', {text: data.title || 'Feature dashboard'});
    var totalLive = rows.length;
    var summary = el('p', {cls: 'muted', text: sections.length + ' section' + (sections.length === 1 ? '' : 's') + ' (layer × position), '
      + totalLive + ' live features. Labels are computed from each sample\u2019s chain of thought; contexts show the tokens the model read.'});
    var sel = el('select', {id: 'f-section'}, el('option', {value: '', text: 'all layers'}));
    sections.forEach(function (m) { sel.appendChild(el('option', {value: m.id, text: sectionLabel(m) + ' (' + m.live_features + ')'})); });
    var mode = el('select', {id: 'f-mode'}, el('option', {value: 'sound', text: 'sound'}), el('option', {value: 'seed', text: 'seed'}));
    var type = el('select', {id: 'f-type'});
    var fmin = el('input', {id: 'f-fmin', type: 'number', min: '0', max: '100', step: 'any', placeholder: '0'});
    var fmax = el('input', {id: 'f-fmax', type: 'number', min: '0', max: '100', step: 'any', placeholder: '100'});
    var q = el('input', {id: 'f-label', type: 'search', cls: 'wide', placeholder: 'e.g. multiplication, number 12'});
    var tok = el('input', {id: 'f-token', type: 'search', cls: 'wide', placeholder: 'e.g. *  or  "="'});
    var count = el('span', {id: 'count', cls: 'muted'});
    var controls = el('div', {cls: 'card controls'},
      el('label', null, 'Layer · position', sel), el('label', null, 'Label mode', mode), el('label', null, 'Type', type),
      el('label', null, 'Frequency ≥ %', fmin), el('label', null, 'Frequency ≤ %', fmax),
      el('label', null, 'Label text', q), el('label', null, 'Fires on tokens like', tok), count);
    var cols = [
      {key: 'layer', label: 'Layer', num: true}, {key: 'pos', label: 'Pos', num: true}, {key: 'f', label: 'Feature', num: true},
      {key: 'rank', label: 'Rank', num: true}, {key: 'freq', label: 'Frequency', num: true}, {key: 'max', label: 'Max |a|', num: true},
      {key: 'type', label: 'Type'}, {key: 'desc', label: 'Label'}, {key: null, label: 'Peaks on tokens'}];
    var thead = el('tr');
    cols.forEach(function (c) {
      var th = el('th', {cls: (c.num ? 'num ' : '') + (c.key ? 'sortable' : ''), text: c.label});
      if (c.key) {
        th.dataset.key = c.key;
        th.addEventListener('click', function () {
          if (state.sort === c.key) state.asc = !state.asc; else { state.sort = c.key; state.asc = c.key !== 'freq' && c.key !== 'max'; }
          update();
        });
      }
      thead.appendChild(th);
    });
    var tbody = el('tbody', {id: 'rows'});
    var table = el('table', {id: 'features'}, el('thead', null, thead), tbody);
    var more = el('div', {cls: 'more'});
    app.appendChild(title);
    app.appendChild(summary);
    app.appendChild(controls);
    app.appendChild(el('div', {cls: 'card'}, table, more));

    function typesFor(m) {
      var seen = {};
      rows.forEach(function (r) { seen[m === 'seed' ? r.seedType : r.soundType] = 1; });
      return Object.keys(seen).sort();
    }
    function fillTypes() {
      type.textContent = '';
      type.appendChild(el('option', {value: '', text: 'any type'}));
      typesFor(state.mode).forEach(function (t) { type.appendChild(el('option', {value: t, text: t})); });
      type.value = state.type;
    }
    sel.value = state.section; mode.value = state.mode; fmin.value = state.fmin; fmax.value = state.fmax; q.value = state.q; tok.value = state.tok;
    fillTypes();

    function tokenMatcher(text) {
      var t = text.trim();
      if (!t) return null;
      var exact = t.length >= 2 && t[0] === '"' && t[t.length - 1] === '"';
      var needle = (exact ? t.slice(1, -1) : t).trim().toLowerCase();
      return function (r) {
        for (var i = 0; i < r.toksNorm.length; i++) {
          if (exact ? r.toksNorm[i] === needle : r.toksNorm[i].indexOf(needle) >= 0) return true;
        }
        return false;
      };
    }
    function value(r, key) {
      if (key === 'type') return state.mode === 'seed' ? r.seedType : r.soundType;
      if (key === 'desc') return state.mode === 'seed' ? r.seedDesc : r.soundDesc;
      return r[key];
    }
    function update() {
      state.section = sel.value; state.type = type.value; state.fmin = fmin.value; state.fmax = fmax.value;
      state.q = q.value; state.tok = tok.value;
      var si = -1;
      sections.forEach(function (m, i) { if (m.id === state.section) si = i; });
      var lo = state.fmin === '' ? -1 : parseFloat(state.fmin) / 100, hi = state.fmax === '' ? 2 : parseFloat(state.fmax) / 100;
      var needle = state.q.trim().toLowerCase();
      var tm = tokenMatcher(state.tok);
      var seed = state.mode === 'seed';
      var hits = rows.filter(function (r) {
        if (si >= 0 && r.s !== si) return false;
        if (state.type && (seed ? r.seedType : r.soundType) !== state.type) return false;
        if (r.freq < lo || r.freq > hi) return false;
        if (needle && ((seed ? r.seedDesc : r.soundDesc) + ' ' + (seed ? r.seedType : r.soundType)).toLowerCase().indexOf(needle) < 0) return false;
        if (tm && !tm(r)) return false;
        return true;
      });
      var key = state.sort, dir = state.asc ? 1 : -1;
      hits.sort(function (a, b) {
        var x = value(a, key), y = value(b, key);
        if (x < y) return -dir; if (x > y) return dir;
        return a.s - b.s || a.rank - b.rank;
      });
      Array.prototype.forEach.call(thead.children, function (th) {
        th.classList.toggle('sorted', th.dataset.key === key);
        th.classList.toggle('asc', th.dataset.key === key && state.asc);
      });
      var shown = state.all ? hits.length : Math.min(SHOW, hits.length);
      var frag = document.createDocumentFragment();
      for (var i = 0; i < shown; i++) {
        var r = hits[i], sec = sections[r.s];
        var toks = el('td');
        r.toks.forEach(function (t) { toks.appendChild(chip(t)); });
        frag.appendChild(el('tr', {'data-feature': r.f, 'data-section': sec.id},
          el('td', {cls: 'num', text: String(r.layer)}), el('td', {cls: 'num', text: String(r.pos)}),
          el('td', {cls: 'num'}, el('a', {href: featureHref(sec.id, r.f), text: String(r.f)})),
          el('td', {cls: 'num', text: String(r.rank)}), el('td', {cls: 'num', text: pct(r.freq)}), el('td', {cls: 'num', text: fmt(r.max)}),
          el('td', null, badge(seed ? r.seedType : r.soundType)), el('td', {text: seed ? r.seedDesc : r.soundDesc}), toks));
      }
      tbody.textContent = '';
      tbody.appendChild(frag);
      count.textContent = hits.length + ' of ' + rows.length + ' features' + (shown < hits.length ? ' (showing ' + shown + ')' : '');
      more.textContent = '';
      if (shown < hits.length) {
        var b = el('button', {id: 'show-all', text: 'Show all ' + hits.length});
        b.addEventListener('click', function () { state.all = true; update(); });
        more.appendChild(b);
      }
      var hash = [];
      ['section', 'mode', 'type', 'fmin', 'fmax', 'q', 'tok'].forEach(function (k) { if (state[k] && !(k === 'mode' && state[k] === 'sound')) hash.push(k + '=' + encodeURIComponent(state[k])); });
      if (state.sort !== 'layer') hash.push('sort=' + state.sort);
      if (!state.asc) hash.push('asc=0');
      history.replaceState(null, '', hash.length ? '#' + hash.join('&') : location.pathname + location.search);
    }
    [sel, type, fmin, fmax, q, tok].forEach(function (c) { c.addEventListener('input', function () { state.all = false; update(); }); });
    mode.addEventListener('change', function () { state.mode = mode.value; state.type = ''; fillTypes(); update(); });
    update();
    document.body.setAttribute('data-rendered', 'true');
    if (window.performance && performance.mark) performance.mark('llama-sae-rendered');
  };

  /* -------------------------------------------------------------- feature */
  L.initFeature = function () {
    var app = document.getElementById('app');
    var params = new URLSearchParams(location.search);
    var section = params.get('s') || '', f = params.get('f') || '';
    // only well-formed names reach the script loader
    if (!/^layer-?\d+_pos-?\d+$/.test(section) || !/^\d+$/.test(f)) {
      app.textContent = '';
      app.appendChild(el('p', {cls: 'error', text: 'Expected feature.html?s=layer{L}_pos{P}&f={feature}.'}));
      return;
    }
    document.getElementById('back').setAttribute('href', 'index.html#section=' + encodeURIComponent(section));
    L.onFeature = function (d) { renderFeature(app, d); };
    var s = document.createElement('script');
    s.src = 'data/' + section + '/feature' + f + '.js';
    s.onerror = function () {
      app.textContent = '';
      app.appendChild(el('p', {cls: 'error', text: 'No data for feature ' + f + ' in ' + section + ' (dead feature, or not in this dashboard).'}));
    };
    document.head.appendChild(s);
  };

  function renderFeature(app, d) {
    document.title = 'llama-sae · ' + d.section + ' · feature ' + d.feature;
    app.textContent = '';
    var sound = d.label.sound, seed = d.label.seed;
    app.appendChild(el('h1', null, 'Feature ' + d.feature + ' ', el('span', {cls: 'muted', text: '· layer ' + d.layer + ' (' + d.layer_convention
      + ', block ' + d.block + ') · position ' + d.position})));
    app.appendChild(el('p', null, 'sound: ', badge(sound.type), ' ' + sound.description + '   ·   seed: ', badge(seed.type), ' ' + seed.description));
    app.appendChild(el('div', {cls: 'prov', id: 'provenance', text: d.label.text_source}));
    app.appendChild(el('div', {style: 'height:14px'}));

    var st = d.stats;
    var kv = el('dl', {cls: 'kv'});
    function row(k, v) { kv.appendChild(el('dt', {text: k})); kv.appendChild(el('dd', {text: v})); }
    row('frequency rank', String(d.rank));
    row('density (frac_nonzero)', pct(d.density) + '  (' + st.active_count + ' / ' + st.rows + ' samples)');
    row('max |a|', fmt(st.max_abs));
    row('mean when active', fmt(st.mean_when_active));
    row('mean |a| (all rows)', fmt(st.mean_magnitude));
    var qs = d.quantiles;
    row('|a| quantiles', 'p10 ' + fmt(qs.p10) + ' · p50 ' + fmt(qs.p50) + ' · p90 ' + fmt(qs.p90) + ' · p99 ' + fmt(qs.p99));
    var stats = el('div', {cls: 'card'}, el('h2', {text: 'Statistics'}), kv);
    var hist = el('div', {cls: 'card', id: 'histogram'}, el('h2', {text: 'Activation histogram'}), histogram(d),
      el('div', {cls: 'note', text: 'non-zero activations at this position; ' + d.histogram.scale + '.'}));
    app.appendChild(el('div', {cls: 'grid'}, stats, hist));
    app.appendChild(el('div', {style: 'height:14px'}));

    var le = d.logit_effects;
    var logits = el('div', {cls: 'card'}, el('h2', {text: 'Logit effects'}));
    if (le.unavailable) logits.appendChild(el('p', {cls: 'muted', text: 'Not computed for this model (see the section notes).'}));
    else {
      logits.appendChild(el('div', {cls: 'grid'}, logitTable('logits-promoted', 'Promoted', le.promoted, 'pos'),
        logitTable('logits-suppressed', 'Suppressed', le.suppressed, 'neg')));
      logits.appendChild(el('p', {cls: 'note', text: le.definition + '; from ' + le.source + '.'}));
    }
    app.appendChild(logits);

    var ctx = el('div', {cls: 'card', id: 'contexts'}, el('h2', {text: 'Top contexts'}),
      el('p', {cls: 'note', text: 'The prompt tokens the model read around the analysed position (outlined), shaded by the feature\u2019s activation; hover a token for its value. Below each: the chain of thought the labels use.'}));
    var maxAll = 0;
    d.top_contexts.forEach(function (c) { c.activations.forEach(function (a) { maxAll = Math.max(maxAll, Math.abs(a)); }); });
    d.top_contexts.forEach(function (c) {
      var line = el('div', {cls: 'ctx'});
      line.appendChild(el('div', {cls: 'meta', text: c.problem_id + ' · position ' + c.position + ' · activation ' + fmt(c.ranked_activation)
        + (c.maxValueTokenIndex !== c.anchor_index ? ' · window max ' + fmt(c.maxValue) : '')}));
      var text = el('div', {cls: 'toks'});
      if (c.window_start > 0) text.appendChild(el('span', {cls: 'muted', text: '… '}));
      c.tokens.forEach(function (t, i) {
        var a = c.activations[i];
        var span = el('span', {cls: 'tok' + (a !== 0 ? ' hl' : '') + (i === c.anchor_index ? ' anchor' : ''), title: JSON.stringify(t) + ' · ' + a,
          'data-act': String(a)}, visible(t));
        if (a !== 0 && maxAll > 0) {
          var alpha = Math.min(1, Math.abs(a) / maxAll);
          span.style.background = 'rgba(' + (a > 0 ? '234, 88, 12' : '37, 99, 235') + ', ' + (0.12 + 0.78 * alpha).toFixed(3) + ')';
        }
        text.appendChild(span);
      });
      line.appendChild(text);
      if (c.cot) line.appendChild(el('div', {cls: 'cot', text: 'chain of thought: ' + c.cot}));
      ctx.appendChild(line);
    });
    if (!d.top_contexts.length) ctx.appendChild(el('p', {cls: 'muted', text: 'No contexts.'}));
    app.appendChild(ctx);

    var ev = el('div', {cls: 'card', id: 'evidence'}, el('h2', {text: 'Label evidence'}));
    ev.appendChild(el('p', null, el('b', {text: 'sound'}), ': ' + sound.type + ' — ' + sound.description + ' (' + sound.top_samples_scored + ' top samples scored)'));
    if (sound.evidence.length) {
      var t = el('table', null, el('tr', null, el('th', {text: 'pattern'}), el('th', {cls: 'num', text: 'top samples'}), el('th', {cls: 'num', text: 'share'}),
        el('th', {cls: 'num', text: 'base rate'}), el('th', {cls: 'num', text: 'lift'}), el('th', {cls: 'num', text: 'p'}), el('th', {cls: 'num', text: 'q (BH)'}),
        el('th', {text: 'enriched'})));
      sound.evidence.slice(0, 12).forEach(function (e) {
        t.appendChild(el('tr', null, el('td', null, chip(e.pattern)), el('td', {cls: 'num', text: e.k + ' / ' + e.n}), el('td', {cls: 'num', text: pct(e.share)}),
          el('td', {cls: 'num', text: pct(e.base_rate)}), el('td', {cls: 'num', text: fmt(e.lift, 2)}), el('td', {cls: 'num', text: fmt(e.p)}),
          el('td', {cls: 'num', text: fmt(e.q)}), el('td', {text: e.enriched ? 'yes' : ''})));
      });
      ev.appendChild(t);
    }
    var sc = seed.scores;
    var ops = Object.keys(sc.operations).map(function (k) { return k + ' ' + fmt(sc.operations[k], 1) + ' %'; }).join(' · ');
    var vals = Object.keys(sc.values).map(function (k) { return '"' + k + '" ' + sc.values[k]; }).join(' · ');
    ev.appendChild(el('p', null, el('b', {text: 'seed'}), ': ' + seed.type + ' — ' + seed.description + ' (operations: ' + ops + '; values in ' + sc.total_samples + ' samples: ' + vals + ')'));
    app.appendChild(ev);

    var side = [];
    if (d.topkCosSimIndices && d.topkCosSimIndices.length) {
      var nb = el('div', {cls: 'card', id: 'neighbours'}, el('h2', {text: 'Decoder neighbours (cosine)'}));
      var ul = el('div');
      d.topkCosSimIndices.forEach(function (g, i) {
        ul.appendChild(el('span', {cls: 'chip'}, el('a', {href: featureHref(d.section, g), text: String(g)}), ' ' + fmt(d.topkCosSimValues[i], 2)));
      });
      nb.appendChild(ul);
      side.push(nb);
    }
    var iv = el('div', {cls: 'card', id: 'interventions'}, el('h2', {text: 'Intervention results'}));
    if (d.interventions) {
      var x = d.interventions, entry = x.general || x.specialized;
      if (entry) {
        var dl = el('dl', {cls: 'kv'});
        [['classification', entry.classification], ['mean impact', fmt(entry.mean_impact)], ['max impact', fmt(entry.max_impact)]].forEach(function (p) {
          dl.appendChild(el('dt', {text: p[0]})); dl.appendChild(el('dd', {text: String(p[1])}));
        });
        if (entry.ablation) {
          var a = entry.ablation;
          dl.appendChild(el('dt', {text: 'ablation: accuracy'}));
          dl.appendChild(el('dd', {text: pct(a.clean_accuracy) + ' → ' + pct(a.edited_accuracy) + ' (McNemar p ' + fmt(a.mcnemar_p) + ', mean first-step KL ' + fmt(a.mean_kl_first_step) + ')'}));
        }
        iv.appendChild(dl);
      }
      (x.conditions || []).forEach(function (c) {
        iv.appendChild(el('p', {cls: 'note', text: c.label + ': accuracy ' + pct(c.clean_accuracy) + ' → ' + pct(c.edited_accuracy) + ', ' + c.classification}));
      });
      iv.appendChild(el('details', null, el('summary', {text: 'raw'}), el('pre', {text: JSON.stringify(x, null, 1)})));
    } else iv.appendChild(el('p', {cls: 'muted', text: 'No intervention results for this feature (run llama-sae validate, then analyze --validation FILE).'}));
    side.push(iv);
    app.appendChild(el('div', {cls: 'grid'}, side[0], side[1]));
    document.body.setAttribute('data-rendered', 'true');
    if (window.performance && performance.mark) performance.mark('llama-sae-rendered');
  }

  function logitTable(id, title, list, cls) {
    var max = 0;
    list.forEach(function (t) { max = Math.max(max, Math.abs(t.value)); });
    var t = el('table', {cls: 'logits', id: id}, el('tr', null, el('th', {text: title}), el('th', {cls: 'num', text: 'logit / unit'}), el('th')));
    list.forEach(function (x) {
      t.appendChild(el('tr', {'data-token-id': String(x.id)}, el('td', {cls: 'tokcell', text: JSON.stringify(x.token).slice(1, -1)}),
        el('td', {cls: 'num', text: fmt(x.value)}),
        el('td', null, el('span', {cls: 'bar ' + cls, style: 'width:' + (max > 0 ? Math.round(80 * Math.abs(x.value) / max) : 0) + 'px'}))));
    });
    return t;
  }

  function histogram(d) {
    var vals = d.freq_hist_data_bar_values, hs = d.freq_hist_data_bar_heights;
    var W = 360, H = 130, pad = 22;
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (H + pad));
    svg.setAttribute('width', '100%');
    svg.setAttribute('role', 'img');
    if (!hs.length) return svg;
    var max = Math.max.apply(null, hs), n = hs.length, bw = (W - 10) / n;
    for (var i = 0; i < n; i++) {
      var r = document.createElementNS(ns, 'rect'), h = Math.max(1, H * hs[i] / max);
      r.setAttribute('x', String(5 + i * bw)); r.setAttribute('y', String(H - h));
      r.setAttribute('width', String(Math.max(1, bw - 1))); r.setAttribute('height', String(h));
      r.setAttribute('fill', vals[i] < 0 ? 'rgb(37,99,235)' : 'rgb(234,88,12)');
      var tt = document.createElementNS(ns, 'title');
      tt.textContent = '≈' + fmt(vals[i]) + ': ' + hs[i];
      r.appendChild(tt);
      svg.appendChild(r);
    }
    [0, Math.floor(n / 2), n - 1].forEach(function (i, j) {
      var t = document.createElementNS(ns, 'text');
      t.setAttribute('x', String(j === 0 ? 5 : j === 2 ? W - 5 : 5 + (i + 0.5) * bw));
      t.setAttribute('y', String(H + 15));
      t.setAttribute('text-anchor', j === 0 ? 'start' : j === 2 ? 'end' : 'middle');
      t.textContent = fmt(vals[i]);
      svg.appendChild(t);
    });
    return svg;
  }
})();
