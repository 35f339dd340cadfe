// Seer's detection page. Plain JavaScript, no build step. Every string from the server
// (labels, model names, errors) is put on the page with textContent, never as HTML.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const { api, loadSession, showError } = Seer;
  const els = {
    drop: $('drop'), file: $('file'), status: $('status'), statusText: $('status-text'),
    error: $('error'), result: $('result'), photo: $('photo'), overlay: $('overlay'),
    stage: $('stage'), caption: $('caption'), classes: $('classes'), conf: $('conf'),
    confOut: $('conf-out'), model: $('model'), user: $('user'), logout: $('logout'),
  };
  // Ask the server for everything down to this score; the slider filters from there.
  const SERVER_THRESHOLD = 0.1;
  let result = null;        // the last /v1/detect answer
  let selected = 'all';     // 'original', 'all' or a label
  let photoUrl = null;
  let busy = false;

  // ---- helpers ----

  function setBusy(on, text) {
    busy = on;
    els.statusText.textContent = text || 'Detecting Objects...';
    els.status.hidden = !on;
  }

  // A distinct, stable colour per class: hues spread by the golden angle over the
  // COCO category id, so "dog" has the same colour on every photo.
  function colour(id) {
    const hue = (id * 137.508) % 360;
    return 'hsl(' + hue.toFixed(1) + ', 85%, 50%)';
  }

  // Line thickness grows with confidence: 3 px at 0.7, 4 at 0.8, 5 at 0.9, 6 at 1.0,
  // and thinner below 0.7 (down to 1 px), in CSS pixels.
  function thickness(score) {
    if (score >= 0.7) return 3 + 3 * (score - 0.7) / 0.3;
    return Math.max(1, 3 * score / 0.7);
  }

  function pct(s) { return Math.round(s * 100) + '%'; }

  // ---- session, models, logout ----

  async function loadModels() {
    const m = await api('/v1/models');
    const sel = els.model;
    sel.textContent = '';
    const names = new Map();
    for (const e of m.models) {
      if (!names.has(e.name)) names.set(e.name, []);
      names.get(e.name).push(e);
    }
    if (names.size === 0) {
      const o = document.createElement('option');
      o.value = '';
      o.textContent = 'no models installed';
      sel.appendChild(o);
      sel.disabled = true;
      return;
    }
    for (const [name, versions] of names) {
      const g = document.createElement('optgroup');
      g.label = name;
      const latest = document.createElement('option');
      latest.value = name;
      latest.textContent = name + ' (latest)';
      latest.disabled = !versions.some((v) => v.state === 'AVAILABLE');
      g.appendChild(latest);
      for (const v of versions.slice().reverse()) {
        const o = document.createElement('option');
        o.value = name + '@' + v.version;
        o.textContent = name + ' v' + v.version + (v.state === 'AVAILABLE' ? '' : ' (failed)');
        o.disabled = v.state !== 'AVAILABLE';
        if (v.error) o.title = v.error;
        g.appendChild(o);
      }
      sel.appendChild(g);
    }
    const first = Array.from(sel.options).find((o) => !o.disabled && o.value === 'centernet') ||
      Array.from(sel.options).find((o) => !o.disabled);
    if (first) sel.value = first.value;
  }

  els.logout.addEventListener('click', async () => {
    try { await api('/logout', { method: 'POST' }); } catch (e) { /* gone anyway */ }
    location.replace('/login');
  });

  // ---- upload: picker, drag and drop, paste ----

  els.file.addEventListener('change', () => {
    if (els.file.files && els.file.files[0]) detect(els.file.files[0]);
    els.file.value = '';
  });
  ['dragenter', 'dragover'].forEach((t) => els.drop.addEventListener(t, (ev) => {
    ev.preventDefault();
    els.drop.classList.add('over');
  }));
  ['dragleave', 'drop'].forEach((t) => els.drop.addEventListener(t, () => {
    els.drop.classList.remove('over');
  }));
  els.drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    const f = ev.dataTransfer && ev.dataTransfer.files && ev.dataTransfer.files[0];
    if (f) detect(f);
  });
  // Dropping a file anywhere else must not navigate away from the page.
  window.addEventListener('dragover', (ev) => ev.preventDefault());
  window.addEventListener('drop', (ev) => ev.preventDefault());
  document.addEventListener('paste', (ev) => {
    const items = (ev.clipboardData && ev.clipboardData.items) || [];
    for (const it of items) {
      if (it.kind === 'file') {
        const f = it.getAsFile();
        if (f) { ev.preventDefault(); detect(f); return; }
      }
    }
  });

  async function detect(file) {
    if (busy) return;
    showError('');
    setBusy(true, 'Detecting Objects...');
    const pick = els.model.value || '';
    const [name, version] = pick.split('@');
    const q = new URLSearchParams({ threshold: String(SERVER_THRESHOLD) });
    if (name) q.set('model', name);
    if (version) q.set('version', version);
    try {
      // The server decides what the bytes are; a non-image gets its 4xx message shown.
      const r = await api('/v1/detect?' + q.toString(), {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: file,
      });
      result = r;
      result.fileName = file.name || 'pasted image';
      selected = 'all';
      await showPhoto(file);
      renderList();
      draw();
    } catch (e) {
      showError((file.name ? file.name + ': ' : '') + e.message);
    } finally {
      setBusy(false);
    }
  }

  function showPhoto(file) {
    return new Promise((resolve) => {
      if (photoUrl) URL.revokeObjectURL(photoUrl);
      photoUrl = URL.createObjectURL(file);
      els.photo.onload = () => resolve();
      els.photo.onerror = () => resolve();
      els.photo.src = photoUrl;
      els.result.hidden = false;
    });
  }

  // ---- the list: original, all, one entry per class ----

  function visible() {
    const t = parseFloat(els.conf.value);
    return result ? result.detections.filter((d) => d.score >= t) : [];
  }

  function classes() {
    const by = new Map();
    for (const d of visible()) {
      const c = by.get(d.label) || { label: d.label, id: d.category_id, count: 0, best: 0 };
      c.count++;
      c.best = Math.max(c.best, d.score);
      by.set(d.label, c);
    }
    return Array.from(by.values()).sort((a, b) => b.best - a.best);
  }

  function entry(key, label, sw, count, best) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.key = key;
    b.className = key === selected ? 'selected' : '';
    b.setAttribute('aria-pressed', key === selected ? 'true' : 'false');
    const s = document.createElement('span');
    s.className = 'swatch';
    if (sw) s.style.background = sw;
    const n = document.createElement('span');
    n.className = 'name';
    n.textContent = label;
    const c = document.createElement('span');
    c.className = 'count';
    c.textContent = count;
    const m = document.createElement('span');
    m.className = 'best';
    m.textContent = best;
    b.append(s, n, c, m);
    b.addEventListener('click', () => {
      selected = key;
      renderList();
      draw();
    });
    li.appendChild(b);
    return li;
  }

  function renderList() {
    const ul = els.classes;
    const cs = classes();
    const total = cs.reduce((a, c) => a + c.count, 0);
    if (selected !== 'original' && selected !== 'all' && !cs.some((c) => c.label === selected))
      selected = 'all';
    ul.textContent = '';
    ul.appendChild(entry('original', 'original', '', '', ''));
    ul.appendChild(entry('all', 'all', '', total ? '×' + total : '', ''));
    const sep = document.createElement('li');
    sep.className = 'sep';
    ul.appendChild(sep);
    if (!cs.length) {
      const li = document.createElement('li');
      li.className = 'none';
      li.textContent = 'Nothing found at this confidence.';
      ul.appendChild(li);
    }
    for (const c of cs)
      ul.appendChild(entry(c.label, c.label, colour(c.id), '×' + c.count, pct(c.best)));
    const r = result;
    els.caption.textContent = r.fileName + ' · ' + r.width + '×' + r.height + ' px · ' +
      r.model + ' v' + r.version + ' · ' + Math.round(r.time_ms) + ' ms';
  }

  // ---- drawing the boxes over the displayed photo ----

  function draw() {
    const cv = els.overlay;
    const img = els.photo;
    if (!result || !img.naturalWidth) return;
    const w = img.clientWidth;
    const h = img.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    cv.style.width = w + 'px';
    cv.style.height = h + 'px';
    cv.width = Math.round(w * dpr);
    cv.height = Math.round(h * dpr);
    const ctx = cv.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    let n = 0;
    if (selected !== 'original') {
      // object-fit: contain may letterbox the photo inside the img element.
      const scale = Math.min(w / result.width, h / result.height);
      const ox = (w - result.width * scale) / 2;
      const oy = (h - result.height * scale) / 2;
      const dets = visible().filter((d) => selected === 'all' || d.label === selected);
      ctx.font = '600 13px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      // Labels are placed most confident first, each where it overlaps no placed label:
      // above its box, else stepping down inside it.
      const placed = [];
      const boxes = dets.map((d) => {
        const [x0, y0, x1, y1] = d.box;
        const b = { d, x: ox + x0 * scale, y: oy + y0 * scale, w: (x1 - x0) * scale,
          h: (y1 - y0) * scale, text: d.label + ' ' + pct(d.score) };
        b.tw = ctx.measureText(b.text).width + 10;
        return b;
      });
      boxes.sort((a, b) => b.d.score - a.d.score);
      const hits = (r) => placed.some((p) => r.x < p.x + p.w && p.x < r.x + r.w &&
        r.y < p.y + p.h && p.y < r.y + r.h);
      for (const b of boxes) {
        const tx = Math.max(0, Math.min(b.x, w - b.tw));
        let ty = b.y >= 20 ? b.y - 20 : b.y;
        for (let k = 0; k < 6 && hits({ x: tx, y: ty, w: b.tw, h: 20 }); k++)
          ty = Math.min(h - 20, (k === 0 ? b.y : ty) + 20);
        b.label = { x: tx, y: ty, w: b.tw, h: 20 };
        placed.push(b.label);
      }
      // Boxes with low scores first so the most confident end up on top; labels last.
      boxes.reverse();
      for (const b of boxes) {
        const t = thickness(b.d.score);
        ctx.lineWidth = t;
        ctx.strokeStyle = colour(b.d.category_id);
        ctx.strokeRect(b.x + t / 2, b.y + t / 2, Math.max(0, b.w - t), Math.max(0, b.h - t));
        n++;
      }
      for (const b of boxes) {
        ctx.fillStyle = colour(b.d.category_id);
        ctx.fillRect(b.label.x, b.label.y, b.label.w, b.label.h);
        ctx.fillStyle = '#fff';
        ctx.fillText(b.text, b.label.x + 5, b.label.y + 3);
      }
    }
    cv.dataset.boxes = String(n);   // for tests and assistive tooling
  }

  els.conf.addEventListener('input', () => {
    els.confOut.textContent = pct(parseFloat(els.conf.value));
    if (result) { renderList(); draw(); }
  });
  if (window.ResizeObserver) new ResizeObserver(() => draw()).observe(els.stage);
  window.addEventListener('resize', draw);

  // ---- start ----

  (async () => {
    try {
      await loadSession();
      await loadModels();
    } catch (e) {
      if (e.message !== 'not logged in') showError('Cannot load the page: ' + e.message);
    }
  })();
})();
