// The web page in a real browser (Debian's chromium driven by playwright-core): log in,
// upload dog.jpg, see "dog" in the list, click it and see boxes on the overlay, "original"
// shows none, the slider filters, a non-image shows the server's message, phone layout,
// log out. Screenshots go to $OUT. Prints "N passed, N failed".
import { base, check, out, pass, run, user } from './lib.mjs';
import { join } from 'node:path';

const photo = process.env.DOG;

// Non-transparent pixels on the overlay canvas, and the count the page reports.
async function overlay(page) {
  return page.evaluate(() => {
    const cv = document.getElementById('overlay');
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return { pixels: n, boxes: Number(cv.dataset.boxes || -1) };
  });
}

await run({ width: 1280, height: 860 }, async (page, errors) => {
  page.setDefaultTimeout(30000);

  await page.goto(base + '/');
  check('anonymous_visit_goes_to_login', page.url() === base + '/login', page.url());
  await page.screenshot({ path: join(out, 'ui-login.png') });

  await page.fill('#user', user);
  await page.fill('#password', 'wrong-password');
  await page.click('#submit');
  await page.waitForSelector('#error:not([hidden])');
  check('wrong_password_message', /wrong user name or password/.test(await page.textContent('#error')));

  await page.fill('#password', pass);
  await Promise.all([page.waitForURL(base + '/'), page.click('#submit')]);
  check('login_lands_on_page', page.url() === base + '/');
  await page.waitForFunction(() => document.querySelectorAll('#model option').length > 1 ||
    (document.querySelector('#model option') || {}).value === 'centernet');
  const models = await page.$$eval('#model option', (o) => o.map((x) => x.value));
  check('model_picker_lists_models', models.includes('centernet') && models.includes('centernet@1'),
    JSON.stringify(models));
  check('upload_prompt', (await page.textContent('h1')).includes('Upload a color photo file'));

  // Watch for the busy message while the upload runs.
  await page.evaluate(() => {
    window.__sawBusy = false;
    new MutationObserver(() => {
      const s = document.getElementById('status');
      if (!s.hidden && s.textContent.includes('Detecting Objects...')) window.__sawBusy = true;
    }).observe(document.getElementById('status'), { attributes: true, childList: true, subtree: true });
  });
  await page.setInputFiles('#file', photo);
  await page.waitForSelector('#classes button[data-key="dog"]');
  check('busy_message_shown', await page.evaluate(() => window.__sawBusy));
  const names = await page.$$eval('#classes button .name', (b) => b.map((x) => x.textContent));
  check('list_has_original_all_dog_bicycle', names[0] === 'original' && names[1] === 'all' &&
    names.includes('dog') && names.includes('bicycle'), JSON.stringify(names));
  const dogRow = await page.textContent('#classes button[data-key="dog"]');
  check('dog_row_has_count_and_best_score', /×1/.test(dogRow) && /\d+%/.test(dogRow), dogRow);

  await page.click('#classes button[data-key="dog"]');
  let o = await overlay(page);
  check('dog_draws_boxes', o.boxes >= 1 && o.pixels > 500, JSON.stringify(o));
  await page.screenshot({ path: join(out, 'ui-desktop-dog.png') });

  await page.click('#classes button[data-key="original"]');
  o = await overlay(page);
  check('original_draws_none', o.boxes === 0 && o.pixels === 0, JSON.stringify(o));

  await page.click('#classes button[data-key="all"]');
  const all = await overlay(page);
  check('all_draws_every_class', all.boxes >= 2, JSON.stringify(all));
  await page.screenshot({ path: join(out, 'ui-desktop-all.png') });

  // Boxes follow the displayed size: a narrower window redraws a smaller overlay.
  const wide = await page.$eval('#overlay', (c) => c.clientWidth);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction((w) => document.getElementById('overlay').clientWidth < w, wide);
  const narrow = await overlay(page);
  check('redraws_on_resize', narrow.boxes === all.boxes && narrow.pixels > 0, JSON.stringify(narrow));
  const layout = await page.evaluate(() => {
    const p = document.querySelector('.photo').getBoundingClientRect();
    const l = document.querySelector('.panel').getBoundingClientRect();
    return { photoBottom: p.bottom, panelTop: l.top, scroll: document.documentElement.scrollWidth };
  });
  check('phone_list_below_photo_no_sideways_scroll',
    layout.panelTop >= layout.photoBottom && layout.scroll <= 390, JSON.stringify(layout));
  await page.screenshot({ path: join(out, 'ui-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });

  // The slider filters on the client: at 100% nothing is left.
  await page.$eval('#conf', (s) => { s.value = '1'; s.dispatchEvent(new Event('input')); });
  o = await overlay(page);
  check('slider_filters', o.boxes === 0 && (await page.textContent('#classes')).includes('Nothing found'),
    JSON.stringify(o));
  await page.$eval('#conf', (s) => { s.value = '0.3'; s.dispatchEvent(new Event('input')); });

  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain',
    buffer: Buffer.from('these are words, not a photo') });
  await page.waitForSelector('#error:not([hidden])');
  const msg = await page.textContent('#error');
  check('non_image_shows_server_message', msg.startsWith('notes.txt: ') && msg.length > 15, msg);
  await page.screenshot({ path: join(out, 'ui-error.png') });

  await Promise.all([page.waitForURL(base + '/login'), page.click('#logout')]);
  const after = await page.evaluate(async () => (await fetch('/v1/session')).status);
  check('logout_ends_session', after === 401, after);
  check('no_script_errors', errors.length === 0, errors.join('; '));
});
