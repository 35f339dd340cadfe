// The Jobs page in a real browser (Debian's chromium driven by playwright-core): log in,
// open Jobs from the Detect page's menu, submit a folder, watch the progress bar move
// while the job runs, see it succeed, open the results (photos with the objects found and
// the failed file), a path outside the job root shows the server's message, cancel a
// running job, phone layout. Screenshots go to $OUT. Prints "N passed, N failed".
import { base, check, login, out, run } from './lib.mjs';
import { join } from 'node:path';

const photos = Number(process.env.PHOTOS || 0);   // photos in the "photos" folder

// The state and progress the page shows for a job row.
async function rowOf(page, id) {
  return page.evaluate((id) => {
    const tr = document.querySelector('#rows tr[data-job="' + id + '"]');
    if (!tr) return null;
    const bar = tr.querySelector('progress');
    return { state: tr.dataset.state, done: Number(bar.dataset.done),
      total: Number(bar.dataset.total), text: tr.textContent };
  }, id);
}

await run({ width: 1280, height: 900 }, async (page, errors) => {
  page.setDefaultTimeout(60000);

  await page.goto(base + '/jobs');
  check('jobs_page_needs_login', page.url() === base + '/login', page.url());
  await login(page);
  await page.click('#nav-jobs');
  await page.waitForURL(base + '/jobs');
  check('menu_opens_jobs_page', (await page.textContent('h1')).includes('New batch job'));
  await page.waitForFunction(() => document.querySelector('#model').value === 'centernet');
  check('job_root_shown', (await page.textContent('#root')).startsWith('/'));

  // Submit a folder: the output folder fills in from it.
  await page.fill('#input', 'photos');
  check('output_follows_folder', (await page.inputValue('#output')) === 'results/photos');

  // Record every state and progress the row shows while the job runs.
  await page.evaluate(() => {
    window.__seen = [];
    new MutationObserver(() => {
      for (const tr of document.querySelectorAll('#rows tr')) {
        const bar = tr.querySelector('progress');
        window.__seen.push({ id: tr.dataset.job, state: tr.dataset.state,
          done: Number(bar.dataset.done), total: Number(bar.dataset.total) });
      }
    }).observe(document.getElementById('rows'), { childList: true, subtree: true });
  });
  await page.click('#submit');
  await page.waitForSelector('#rows tr');
  const id = await page.$eval('#rows tr', (tr) => tr.dataset.job);
  await page.waitForFunction((id) => {
    const tr = document.querySelector('#rows tr[data-job="' + id + '"]');
    return tr && tr.dataset.state === 'RUNNING';
  }, id);
  await page.screenshot({ path: join(out, 'jobs-running.png') });
  await page.waitForFunction((id) => {
    const tr = document.querySelector('#rows tr[data-job="' + id + '"]');
    return tr && ['SUCCEEDED', 'FAILED'].includes(tr.dataset.state);
  }, id, { timeout: 120000 });
  const seen = (await page.evaluate(() => window.__seen)).filter((s) => s.id === id);
  const moving = seen.filter((s) => s.state === 'RUNNING' && s.done > 0 && s.done < s.total);
  check('progress_moves_while_running', moving.length >= 1,
    JSON.stringify(seen.map((s) => s.state + ' ' + s.done + '/' + s.total)));
  const last = await rowOf(page, id);
  check('job_succeeds_with_all_photos', last.state === 'SUCCEEDED' && last.done === photos + 1 &&
    last.total === photos + 1 && /1 failed/.test(last.text), JSON.stringify(last));
  await page.screenshot({ path: join(out, 'jobs-done.png') });

  await page.click('#rows tr[data-job="' + id + '"] button[data-action="results"]');
  await page.waitForSelector('#results:not([hidden]) #results-rows tr');
  const rows = await page.$$eval('#results-rows tr', (r) => r.map((x) => x.textContent));
  check('results_list_photos_and_objects', rows.length === Math.min(photos, 25) &&
    rows.every((t) => /\.jpg/.test(t)) && rows.some((t) => /person|car|bear|cat|dog|bed/.test(t)),
    JSON.stringify(rows.slice(0, 3)));
  const errs = await page.$$eval('#errors li', (l) => l.map((x) => x.textContent));
  check('results_list_failed_file', errs.length === 1 && /broken\.jpg/.test(errs[0]),
    JSON.stringify(errs));
  check('results_name_files', /prediction\.results-00000-of-00001/.test(
    await page.textContent('#results-files')));
  await page.screenshot({ path: join(out, 'jobs-results.png'), fullPage: true });

  // A path outside the job root: the server's message, no job.
  const before = await page.$$eval('#rows tr', (r) => r.length);
  await page.fill('#input', '/etc');
  await page.fill('#output', 'results/etc');
  await page.click('#submit');
  await page.waitForSelector('#error:not([hidden])');
  const msg = await page.textContent('#error');
  check('outside_root_refused_with_message', /outside the job roots/.test(msg), msg);
  check('refused_job_not_listed', (await page.$$eval('#rows tr', (r) => r.length)) === before);

  // Cancel a running job from its row.
  await page.fill('#input', 'photos');
  await page.fill('#output', 'results/cancelled');
  await page.click('#submit');
  await page.waitForFunction((n) => document.querySelectorAll('#rows tr').length > n, before);
  const id2 = await page.$eval('#rows tr', (tr) => tr.dataset.job);
  await page.waitForSelector('#rows tr[data-job="' + id2 + '"][data-state="RUNNING"] button[data-action="cancel"]');
  await page.click('#rows tr[data-job="' + id2 + '"] button[data-action="cancel"]');
  await page.waitForSelector('#rows tr[data-job="' + id2 + '"][data-state="CANCELLED"]');
  const c = await rowOf(page, id2);
  check('cancel_from_page', c.state === 'CANCELLED' && c.done < c.total, JSON.stringify(c));

  await page.setViewportSize({ width: 390, height: 844 });
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  check('phone_no_sideways_scroll', scroll <= 390, scroll);
  await page.screenshot({ path: join(out, 'jobs-phone.png'), fullPage: true });
  check('no_script_errors', errors.length === 0, errors.join('; '));
});
