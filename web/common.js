// Helpers the signed-in pages share (app.js, jobs.js, tuning.js), loaded before them:
// API calls that carry the session's CSRF token and send a lapsed session to /login,
// the #error banner, building elements with text (never HTML) and showing times.
'use strict';
window.Seer = (function () {
  let csrf = '';

  function showError(msg) {
    const e = document.getElementById('error');
    e.textContent = msg || '';
    e.hidden = !msg;
  }

  // JSON from path; an Error with the server's message (and .status) when it fails.
  async function api(path, opts) {
    const o = Object.assign({ credentials: 'same-origin' }, opts || {});
    o.headers = Object.assign({}, o.headers || {});
    if (o.method && o.method !== 'GET') o.headers['X-CSRF-Token'] = csrf;
    const r = await fetch(path, o);
    if (r.status === 401) {
      location.replace('/login');
      throw new Error('not logged in');
    }
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok) {
      const err = new Error(body && body.error ? body.error : 'HTTP ' + r.status);
      err.status = r.status;
      throw err;
    }
    return body;
  }

  // Reads the session: keeps its CSRF token for api() and shows the user's name.
  async function loadSession() {
    const s = await api('/v1/session');
    csrf = s.csrf || '';
    document.getElementById('user').textContent = s.user || '';
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function when(t) {
    if (!t) return '–';
    const d = new Date(t);
    return isNaN(d) ? t : d.toLocaleString();
  }

  return { api, el, loadSession, showError, when };
})();
