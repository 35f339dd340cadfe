// The login form: posts JSON to /login and goes to the page. Errors are shown as text.
'use strict';
(function () {
  const form = document.getElementById('login');
  const err = document.getElementById('error');
  const btn = document.getElementById('submit');

  function show(msg) {
    err.textContent = msg;
    err.hidden = !msg;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    show('');
    btn.disabled = true;
    try {
      const r = await fetch('/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          user: document.getElementById('user').value,
          password: document.getElementById('password').value,
        }),
        credentials: 'same-origin',
      });
      if (r.ok) {
        location.replace('/');
        return;
      }
      let msg = 'Login failed (HTTP ' + r.status + ')';
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      if (r.status === 429 && r.headers.get('Retry-After'))
        msg += ' (wait ' + r.headers.get('Retry-After') + ' s)';
      show(msg);
    } catch (e) {
      show('Cannot reach the server: ' + e.message);
    } finally {
      btn.disabled = false;
    }
  });
})();
