// Seer's batch jobs page: submit a folder, watch progress, open the results. Plain
// JavaScript, no build step; every string from the server goes on the page with
// textContent, never as HTML.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const { api, el, loadSession, showError, when } = Seer;
  const ACTIVE = ['QUEUED', 'PREPARING', 'RUNNING', 'CANCELLING'];
  const PAGE = 25;
  let timer = null;
  let shown = null;        // { id, offset } of the results on display
  let root = '';           // the first job root: paths are shown relative to it

  // A path relative to the job root when it is inside it.
  function short(p) {
    return root && p.startsWith(root + '/') ? p.slice(root.length + 1) : p;
  }

  // What a job reads, as the user typed it: the folder form's three patterns read back
  // as the folder.
  function inputsText(paths) {
    const m = paths.length === 3 && paths[0].match(/^(.*)\/\*\*\/\*\.\[jJ\]\[pP\]\[gG\]$/);
    if (m && paths[1] === m[1] + '/**/*.[jJ][pP][eE][gG]' &&
        paths[2] === m[1] + '/**/*.[pP][nN][gG]')
      return m[1] + '/ (JPEG and PNG photos below it)';
    return paths.join(', ');
  }

  // ---- session, models ----

  async function loadModels() {
    const m = await api('/v1/models');
    const sel = $('model');
    sel.textContent = '';
    const seen = new Set();
    for (const e of m.models) {
      if (seen.has(e.name) || e.state !== 'AVAILABLE') continue;
      seen.add(e.name);
      const o = el('option', '', e.name);
      o.value = e.name;
      sel.appendChild(o);
    }
    if (!seen.size) {
      const o = el('option', '', 'no models installed');
      o.value = '';
      sel.appendChild(o);
      sel.disabled = true;
    } else if (seen.has('centernet')) {
      sel.value = 'centernet';
    }
  }

  $('logout').addEventListener('click', async () => {
    try { await api('/logout', { method: 'POST' }); } catch (e) { /* gone anyway */ }
    location.replace('/login');
  });

  // ---- submitting ----

  // A plain folder means every JPEG and PNG below it; a pattern is taken as it is.
  function patterns(input, format) {
    const p = input.trim().replace(/\/+$/, '');
    if (format !== 'IMAGE' || /[*?[]/.test(p)) return [p];
    return ['jpg', 'jpeg', 'png'].map((x) =>
      p + '/**/*.' + x.split('').map((c) => '[' + c + c.toUpperCase() + ']').join(''));
  }

  $('input').addEventListener('input', () => {
    const out = $('output');
    if (out.dataset.touched) return;
    const base = $('input').value.trim().replace(/\/+$/, '').split('/')
      .filter((s) => s && !/[*?[]/.test(s)).pop() || 'photos';
    out.value = 'results/' + base;
  });
  $('output').addEventListener('input', () => { $('output').dataset.touched = '1'; });

  $('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError('');
    const format = $('format').value;
    const body = {
      predictionInput: {
        dataFormat: format,
        inputPaths: patterns($('input').value, format),
        outputPath: $('output').value.trim(),
        modelName: $('model').value,
      },
    };
    $('submit').disabled = true;
    try {
      await api('/v1/jobs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      await refresh();
    } catch (e) {
      showError(e.message);
    } finally {
      $('submit').disabled = false;
    }
  });

  // ---- the job list ----

  function progressCell(j) {
    const td = el('td', 'progress-cell');
    const p = j.progress || { done: 0, failed: 0, total: 0 };
    const bar = el('progress');
    bar.max = Math.max(1, p.total);
    bar.value = p.done;
    bar.dataset.done = String(p.done);
    bar.dataset.total = String(p.total);
    const text = p.total ? p.done + ' / ' + p.total : (ACTIVE.includes(j.state) ? '…' : '0');
    td.append(bar, el('span', 'small', text + (p.failed ? ' · ' + p.failed + ' failed' : '')));
    return td;
  }

  function row(j) {
    const tr = el('tr');
    tr.dataset.job = j.jobId;
    tr.dataset.state = j.state;
    const name = el('td');
    name.append(el('div', 'job-id', j.jobId));
    const pi = j.predictionInput || {};
    name.append(el('div', 'muted small', inputsText(pi.inputPaths || []) + ' → ' +
      short((j.predictionOutput || {}).outputPath || pi.outputPath || '')));
    if (j.errorMessage) name.append(el('div', 'job-error small', j.errorMessage));
    const model = el('td', '', (pi.modelName || '') +
      (pi.versionName ? ' v' + pi.versionName.split('/').pop() : ''));
    const state = el('td');
    state.append(el('span', 'badge ' + j.state.toLowerCase(), j.state));
    const act = el('td', 'actions');
    if (ACTIVE.includes(j.state) && j.state !== 'CANCELLING') {
      const b = el('button', 'btn ghost small', 'Cancel');
      b.type = 'button';
      b.dataset.action = 'cancel';
      b.addEventListener('click', () => cancel(j.jobId));
      act.append(b);
    }
    if (j.state === 'SUCCEEDED') {
      const b = el('button', 'btn ghost small', 'Results');
      b.type = 'button';
      b.dataset.action = 'results';
      b.addEventListener('click', () => openResults(j.jobId, 0));
      act.append(b);
    }
    tr.append(name, model, state, progressCell(j), el('td', 'small', when(j.startTime)),
      el('td', 'small', when(j.endTime)), act);
    return tr;
  }

  async function refresh() {
    let r;
    try {
      r = await api('/v1/jobs');
    } catch (e) {
      if (e.message !== 'not logged in') showError('Cannot load jobs: ' + e.message);
      schedule(5000);
      return;
    }
    if (r.roots && r.roots.length) {
      root = r.roots[0];
      $('root').textContent = root;
    }
    // The list holds tuning studies too; they have their own page.
    const jobs = r.jobs.filter((j) => j.predictionInput);
    const rows = $('rows');
    rows.textContent = '';
    for (const j of jobs) rows.appendChild(row(j));
    $('jobs').hidden = !jobs.length;
    $('empty').hidden = !!jobs.length;
    schedule(jobs.some((j) => ACTIVE.includes(j.state)) ? 1000 : 5000);
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

  // ---- results ----

  function objects(dets) {
    const by = new Map();
    for (const d of dets || []) by.set(d.label, (by.get(d.label) || 0) + 1);
    if (!by.size) return 'nothing';
    return Array.from(by, ([k, n]) => (n > 1 ? k + ' ×' + n : k)).join(', ');
  }

  async function openResults(id, offset) {
    showError('');
    let r;
    try {
      r = await api('/v1/jobs/' + encodeURIComponent(id) + '/results?offset=' + offset +
        '&limit=' + PAGE);
    } catch (e) {
      showError(e.message);
      return;
    }
    shown = { id, offset, total: r.total };
    $('results').hidden = false;
    $('results').dataset.job = id;
    $('results-title').textContent = 'Results of ' + id;
    $('results-files').textContent = short(r.resultsFile) + ' · ' + short(r.errorsFile);
    const rows = $('results-rows');
    rows.textContent = '';
    for (const x of r.results) {
      if (!x) continue;
      const tr = el('tr');
      tr.append(el('td', 'path', x.key || short(x.path || x.image || '')),
        el('td', '', objects(x.detections)),
        el('td', 'small', x.time_ms !== undefined ? String(Math.round(x.time_ms)) : ''));
      rows.appendChild(tr);
    }
    const last = Math.min(offset + PAGE, r.total);
    $('page').textContent = r.total ? (offset + 1) + '–' + last + ' of ' + r.total : 'no results';
    $('prev').disabled = offset === 0;
    $('next').disabled = last >= r.total;
    const errs = $('errors');
    errs.textContent = '';
    for (const e of r.errors) {
      if (!e) continue;
      errs.appendChild(el('li', '', (e.key || (e.path ? short(e.path) : 'line ' + e.line)) +
        ': ' + e.error));
    }
    $('errors-title').hidden = !r.errors.length;
    $('errors-title').textContent = 'Failed inputs (' + r.errorTotal + ')';
    $('results').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  $('prev').addEventListener('click', () => {
    if (shown) openResults(shown.id, Math.max(0, shown.offset - PAGE));
  });
  $('next').addEventListener('click', () => {
    if (shown) openResults(shown.id, shown.offset + PAGE);
  });

  // ---- start ----

  (async () => {
    try {
      await loadSession();
      await loadModels();
    } catch (e) {
      if (e.message !== 'not logged in') showError('Cannot load the page: ' + e.message);
    }
    await refresh();
  })();
})();
