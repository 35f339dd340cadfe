// Seer's tuning page: start a study from a Cloud ML Engine config, watch its trials, plot
// the objective per trial. Plain JavaScript, no build step, no chart library: the plot is
// SVG drawn here. Every string from the server reaches the page through textContent.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const { api, el, loadSession, showError, when } = Seer;
  const SVG = 'http://www.w3.org/2000/svg';
  const ACTIVE = ['QUEUED', 'PREPARING', 'RUNNING', 'CANCELLING'];
  const M = { l: 64, r: 18, t: 16, b: 46 };   // the plot's margins, in pixels
  let W = 900, H = 320;                        // its viewBox: the size it is drawn at
  let last = null;                             // the last plot's arguments, for resizes
  let timer = null;
  let selected = decodeURIComponent((location.hash.match(/^#study=(.+)$/) || [])[1] || '');

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A number short enough for a table cell or an axis.
  function fmt(v) {
    if (typeof v !== 'number' || !isFinite(v)) return '–';
    if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(3);
    return String(Number(v.toPrecision(6)));
  }

  function values(hp) {
    return Object.keys(hp || {}).map((k) => k + '=' + hp[k]).join('  ');
  }

  // ---- session, trainers ----

  function setTrainers(names) {
    const sel = $('trainer');
    const keep = sel.value;
    if (sel.dataset.names === JSON.stringify(names)) return;
    sel.dataset.names = JSON.stringify(names);
    sel.textContent = '';
    for (const n of names) {
      const o = el('option', '', n);
      o.value = n;
      sel.appendChild(o);
    }
    if (!names.length) {
      const o = el('option', '', 'no trainers on this server');
      o.value = '';
      sel.appendChild(o);
    } else if (names.includes(keep)) {
      sel.value = keep;
    }
    sel.disabled = !names.length;
    $('submit').disabled = !names.length;
  }

  $('logout').addEventListener('click', async () => {
    try { await api('/logout', { method: 'POST' }); } catch (e) { /* gone anyway */ }
    location.replace('/login');
  });

  // ---- submitting ----

  // JSON configs get the trainer written in; YAML goes as it is, with the trainer in the
  // query, so the server's YAML reader (the one `seer tune --config` uses) reads it.
  function request(text, trainer) {
    if (/^\s*\{/.test(text)) {
      let doc;
      try { doc = JSON.parse(text); } catch (e) { throw new Error('config: ' + e.message); }
      if (!doc || typeof doc !== 'object' || !doc.trainingInput ||
          typeof doc.trainingInput !== 'object')
        throw new Error('config: needs a trainingInput object');
      if (!doc.trainingInput.pythonModule) doc.trainingInput.pythonModule = trainer;
      return { path: '/v1/jobs', type: 'application/json', body: JSON.stringify(doc) };
    }
    return { path: '/v1/jobs?trainer=' + encodeURIComponent(trainer), type: 'application/yaml',
      body: text };
  }

  $('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    $('submit').disabled = true;
    try {
      const q = request($('config').value, $('trainer').value);
      const job = await api(q.path, { method: 'POST', headers: { 'Content-Type': q.type },
        body: q.body });
      select(job.jobId);
      await refresh();
    } catch (e) {
      showError(e.message);
    } finally {
      $('submit').disabled = $('trainer').disabled;
    }
  });

  // ---- the study list ----

  function row(j) {
    const tr = el('tr');
    const out = j.trainingOutput || {};
    const best = out.bestTrial && out.bestTrial.finalMetric;
    tr.dataset.job = j.jobId;
    tr.dataset.state = j.state;
    if (j.jobId === selected) tr.className = 'selected';
    const name = el('td');
    name.append(el('div', 'job-id', j.jobId));
    name.append(el('div', 'muted small', (out.hyperparameterMetricTag || '') +
      (j.user ? ' · by ' + j.user : ' · seer tune')));
    if (j.errorMessage) name.append(el('div', 'job-error small', j.errorMessage));
    const state = el('td');
    state.append(el('span', 'badge ' + j.state.toLowerCase(), j.state));
    const act = el('td', 'actions');
    if (j.user !== undefined && ['QUEUED', 'RUNNING'].includes(j.state)) {
      const b = el('button', 'btn ghost small', 'Cancel');
      b.type = 'button';
      b.dataset.action = 'cancel';
      b.addEventListener('click', (ev) => { ev.stopPropagation(); cancel(j.jobId); });
      act.append(b);
    }
    tr.append(name, state, el('td', 'num', out.completedTrialCount || '0'),
      el('td', 'num', best ? fmt(best.objectiveValue) : '–'), el('td', 'small', when(j.createTime)),
      act);
    tr.addEventListener('click', () => { select(j.jobId); refresh(); });
    return tr;
  }

  function select(id) {
    selected = id;
    history.replaceState(null, '', '#study=' + encodeURIComponent(id));
    for (const tr of $('rows').children) tr.classList.toggle('selected', tr.dataset.job === id);
  }

  async function refresh() {
    let r;
    try {
      r = await api('/v1/jobs');
    } catch (e) {
      if (e.message !== 'not logged in') showError('Cannot load studies: ' + e.message);
      schedule(5000);
      return;
    }
    setTrainers(r.trainers || []);
    const studies = r.jobs.filter((j) => j.trainingOutput && j.trainingOutput.isHyperparameterTuningJob);
    const rows = $('rows');
    rows.textContent = '';
    for (const j of studies) rows.appendChild(row(j));
    $('studies').hidden = !studies.length;
    $('empty').hidden = !!studies.length;
    if (!selected && studies.length) select(studies[0].jobId);
    let busy = studies.some((j) => ACTIVE.includes(j.state));
    if (selected && studies.some((j) => j.jobId === selected)) busy = (await detail(selected)) || busy;
    schedule(busy ? 1000 : 5000);
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  async function cancel(id) {
    showError('');
    try {
      await api('/v1/jobs/' + encodeURIComponent(id) + ':cancel', { method: 'POST' });
    } catch (e) {
      showError(e.message);
    }
    await refresh();
  }

  // ---- one study ----

  // Shows a study; true while it is still running.
  async function detail(id) {
    let j;
    try {
      j = await api('/v1/jobs/' + encodeURIComponent(id));
    } catch (e) {
      showError(e.message);
      return false;
    }
    if (id !== selected) return false;
    const hp = (j.trainingInput || {}).hyperparameters || {};
    const out = j.trainingOutput || {};
    const trials = (out.trials || []).slice().sort((a, b) => Number(a.trialId) - Number(b.trialId));
    const max = (hp.goal || 'MAXIMIZE') !== 'MINIMIZE';
    $('detail').hidden = false;
    $('detail').dataset.job = j.jobId;
    $('detail').dataset.state = j.state;
    $('detail-title').textContent = 'Study ' + j.jobId + ' · ' + j.state;
    $('detail-info').textContent = [
      (max ? 'maximize ' : 'minimize ') + (out.hyperparameterMetricTag || hp.hyperparameterMetricTag || ''),
      'algorithm ' + (hp.algorithm && hp.algorithm !== 'ALGORITHM_UNSPECIFIED' ? hp.algorithm : 'BAYESIAN'),
      'trainer ' + ((j.trainingInput || {}).pythonModule || '–'),
      (out.completedTrialCount || '0') + ' of ' + (hp.maxTrials || '?') + ' trials done',
      'started ' + when(j.startTime),
    ].join(' · ');
    $('detail-error').textContent = j.errorMessage || '';
    $('detail-error').hidden = !j.errorMessage;
    const bestId = out.trials && out.trials.length && out.trials[0].finalMetric
      ? out.trials[0].trialId : null;
    plot(trials, max, Number(hp.maxTrials) || 0, out.hyperparameterMetricTag || 'objective');
    table(trials, bestId);
    return ACTIVE.includes(j.state);
  }

  function table(trials, bestId) {
    const body = $('trials');
    body.textContent = '';
    for (const t of trials) {
      const tr = el('tr');
      const fm = t.finalMetric;
      tr.dataset.trial = t.trialId;
      tr.dataset.state = t.state;
      if (t.trialId === bestId) tr.className = 'best-row';
      const st = el('td');
      st.append(el('span', 'badge ' + t.state.toLowerCase(), t.state));
      if (t.isTrialStoppedEarly) st.append(el('div', 'muted small', 'stopped early'));
      if (t.errorMessage) st.append(el('div', 'job-error small', t.errorMessage));
      const secs = t.startTime && t.endTime
        ? ((new Date(t.endTime) - new Date(t.startTime)) / 1000).toFixed(0) : '–';
      tr.append(el('td', 'num', t.trialId), st, el('td', 'num', fm ? fmt(fm.objectiveValue) : '–'),
        el('td', 'num', fm ? fm.trainingStep : '–'), el('td', 'values small', values(t.hyperparameters)),
        el('td', 'num', secs));
      body.appendChild(tr);
    }
  }

  // Axis ticks: about n round values (1, 2 or 5 times a power of ten) covering [lo, hi].
  function ticks(lo, hi, n) {
    const raw = (hi - lo) / n;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
      out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  // The objective of each finished trial (x: trial number, y: objective), the best value so
  // far as a step line, failed trials as crosses on the axis, a title on every mark.
  function plot(trials, max, maxTrials, tag) {
    const s = $('plot');
    last = [trials, max, maxTrials, tag];
    // Drawn at the width it is shown at, so that text keeps its size on a phone.
    W = Math.round(Math.max(320, Math.min(1200, s.parentNode.clientWidth || 900)));
    H = W < 600 ? 260 : 320;
    s.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    while (s.lastChild && s.lastChild.id !== 'plot-title') s.removeChild(s.lastChild);
    const done = trials.filter((t) => t.finalMetric && isFinite(t.finalMetric.objectiveValue));
    const lastId = trials.reduce((m, t) => Math.max(m, Number(t.trialId)), 0);
    const n = Math.max(maxTrials, lastId, 1);
    const x = (id) => M.l + (Number(id) - 0.5) / n * (W - M.l - M.r);
    let lo = Math.min(...done.map((t) => t.finalMetric.objectiveValue));
    let hi = Math.max(...done.map((t) => t.finalMetric.objectiveValue));
    if (!done.length) { lo = 0; hi = 1; }
    if (hi === lo) { const d = Math.abs(hi) * 0.1 || 1; lo -= d; hi += d; }
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
    const y = (v) => M.t + (hi - v) / (hi - lo) * (H - M.t - M.b);
    const g = svg('g', { class: 'axes' });
    for (const v of ticks(lo, hi, 5)) {
      g.append(svg('line', { class: 'grid', x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }));
      g.append(svg('text', { x: M.l - 8, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
    }
    const nx = Math.min(n, Math.max(2, Math.floor((W - M.l - M.r) / 50)));
    for (const v of ticks(0.5, n + 0.5, nx).filter((v) => v >= 1 && v === Math.round(v)))
      g.append(svg('text', { x: x(v), y: H - M.b + 18, 'text-anchor': 'middle' }, String(v)));
    g.append(svg('line', { class: 'axis', x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }));
    g.append(svg('line', { class: 'axis', x1: M.l, x2: M.l, y1: M.t, y2: H - M.b }));
    g.append(svg('text', { class: 'label', x: (M.l + W - M.r) / 2, y: H - 6, 'text-anchor': 'middle' },
      'trial'));
    g.append(svg('text', { class: 'label', x: 14, y: (M.t + H - M.b) / 2, 'text-anchor': 'middle',
      transform: 'rotate(-90 14 ' + (M.t + H - M.b) / 2 + ')' }, tag + (max ? ' (maximize)' : ' (minimize)')));
    s.append(g);
    if (!done.length && !trials.length) {
      s.append(svg('text', { class: 'empty', x: (M.l + W - M.r) / 2, y: (M.t + H - M.b) / 2,
        'text-anchor': 'middle' }, 'No trials yet'));
      return;
    }
    // Best so far: a step after each finished trial, held to the last trial started.
    let best = null, d = '';
    for (const t of done) {
      const v = t.finalMetric.objectiveValue;
      if (best === null) {
        best = v;
        d = 'M' + x(t.trialId) + ' ' + y(best);
        continue;
      }
      d += ' H' + x(t.trialId);
      if (max ? v > best : v < best) best = v;
      d += ' V' + y(best);
    }
    if (d) {
      d += ' H' + x(lastId);
      const path = svg('path', { class: 'best', d });
      path.append(svg('title', {}, 'best so far: ' + fmt(best)));
      s.append(path);
    }
    let top = null;
    for (const t of done)
      if (!top || (max ? t.finalMetric.objectiveValue > top.finalMetric.objectiveValue
        : t.finalMetric.objectiveValue < top.finalMetric.objectiveValue)) top = t;
    for (const t of done) {
      const c = svg('circle', { class: 'pt' + (t.isTrialStoppedEarly ? ' early' : '') +
        (t === top ? ' top' : ''), cx: x(t.trialId), cy: y(t.finalMetric.objectiveValue), r: 5 });
      c.dataset.trial = t.trialId;
      c.append(svg('title', {}, 'trial ' + t.trialId + ': ' + fmt(t.finalMetric.objectiveValue) +
        (t.isTrialStoppedEarly ? ' (stopped early)' : '') + '\n' + values(t.hyperparameters)));
      s.append(c);
    }
    for (const t of trials.filter((t) => t.state === 'FAILED' && !t.finalMetric)) {
      const cx = x(t.trialId), cy = H - M.b - 6;
      const m = svg('path', { class: 'fail', d: 'M' + (cx - 4) + ' ' + (cy - 4) + ' l8 8 m0 -8 l-8 8' });
      m.dataset.trial = t.trialId;
      m.append(svg('title', {}, 'trial ' + t.trialId + ' failed' +
        (t.errorMessage ? ': ' + t.errorMessage : '') + '\n' + values(t.hyperparameters)));
      s.append(m);
    }
  }

  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (last && !$('detail').hidden) plot(...last); }, 100);
  });

  // ---- start ----

  (async () => {
    try {
      await loadSession();
    } catch (e) {
      if (e.message !== 'not logged in') showError('Cannot load the page: ' + e.message);
    }
    await refresh();
  })();
})();
