// The Tuning page in a real browser (Debian's chromium driven by playwright-core): log in,
// open Tuning from the menu, start a grid study from a YAML config with the trainer picked,
// watch trials arrive in the plot and the table, check the SVG has one point per finished
// trial placed by its objective, with the best-so-far line, axis labels and hover titles;
// a category value that looks like HTML shows as text; a bad config shows the server's
// message; cancel a running study; phone layout. Screenshots go to $OUT.
// Prints "N passed, N failed".
import { base, check, login, out, run } from './lib.mjs';
import { join } from 'node:path';

const HTMLISH = '<img src=x onerror=window.__pwned=1>';
const config = `jobId: browsergrid
trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: score
    algorithm: GRID_SEARCH
    maxTrials: 8
    maxParallelTrials: 1
    params:
    - {parameterName: x, type: DISCRETE, discreteValues: [0.1, 0.3, 0.6, 0.9]}
    - {parameterName: act, type: CATEGORICAL, categoricalValues: [relu, "${HTMLISH}"]}
`;

await run({ width: 1280, height: 900 }, async (page, errors) => {
  page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss(); });
  page.setDefaultTimeout(30000);

  await page.goto(base + '/tuning');
  check('tuning_page_needs_login', page.url() === base + '/login', page.url());
  await login(page);
  await page.click('#nav-tuning');
  await page.waitForURL(base + '/tuning');
  check('menu_opens_tuning_page', (await page.textContent('h1')).includes('New tuning study'));
  await page.waitForFunction(() => document.querySelector('#trainer option[value="quad"]'));
  const trainers = await page.$$eval('#trainer option', (o) => o.map((x) => x.value));
  check('trainer_picker_lists_the_allow_list', JSON.stringify(trainers) === '["quad","slow"]',
    JSON.stringify(trainers));

  // A bad config: the server's message, naming the field, and no study.
  await page.fill('#config', config.replace('0.1, 0.3', '0.3, 0.1'));
  await page.selectOption('#trainer', 'quad');
  await page.click('#submit');
  await page.waitForSelector('#error:not([hidden])');
  const msg = await page.textContent('#error');
  check('bad_config_shows_the_field', /discreteValues/.test(msg), msg);
  check('bad_config_makes_no_study', (await page.$$('#rows tr')).length === 0);

  // Record how many points the plot has each time it is redrawn while the study runs.
  await page.evaluate(() => {
    window.__points = [];
    new MutationObserver(() => {
      window.__points.push(document.querySelectorAll('#plot circle.pt').length);
    }).observe(document.getElementById('plot'), { childList: true });
  });
  await page.fill('#config', config);
  await page.click('#submit');
  await page.waitForSelector('#rows tr[data-job="browsergrid"]');
  await page.waitForSelector('#detail[data-job="browsergrid"]:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#plot circle.pt').length >= 2);
  await page.screenshot({ path: join(out, 'tuning-running.png'), fullPage: true });
  await page.waitForSelector('#detail[data-state="SUCCEEDED"]', { timeout: 60000 });
  // One more redraw after the list shows the final state.
  await page.waitForSelector('#rows tr[data-job="browsergrid"][data-state="SUCCEEDED"]');
  const seen = await page.evaluate(() => window.__points);
  check('trials_appear_while_it_runs', seen.some((n) => n > 0 && n < 8) && seen.at(-1) === 8,
    JSON.stringify(seen));

  // The plot against the API's own record of the study.
  const api = await page.evaluate(async () => (await fetch('/v1/jobs/browsergrid')).json());
  const finished = api.trainingOutput.trials.filter((t) => t.finalMetric);
  const pts = await page.$$eval('#plot circle.pt', (cs) => cs.map((c) => ({
    trial: c.dataset.trial, cy: Number(c.getAttribute('cy')), cx: Number(c.getAttribute('cx')),
    title: c.querySelector('title').textContent, top: c.classList.contains('top') })));
  check('one_point_per_finished_trial', finished.length === 8 && pts.length === finished.length &&
    new Set(pts.map((p) => p.trial)).size === 8, pts.length + ' points, ' + finished.length + ' trials');
  const byTrial = Object.fromEntries(finished.map((t) => [t.trialId, t.finalMetric.objectiveValue]));
  // Higher objective, higher on the page (smaller y); later trial, further right.
  let ordered = true;
  for (const a of pts) for (const b of pts) {
    if (byTrial[a.trial] > byTrial[b.trial] + 1e-9 && !(a.cy < b.cy)) ordered = false;
    if (Number(a.trial) > Number(b.trial) && !(a.cx > b.cx)) ordered = false;
  }
  check('points_placed_by_trial_and_objective', ordered);
  const best = pts.find((p) => p.top);
  check('best_point_is_the_best_trial', best && best.trial === api.trainingOutput.trials[0].trialId &&
    byTrial[best.trial] === 5, JSON.stringify(best));
  check('points_have_hover_titles', pts.every((p) => p.title.startsWith('trial ' + p.trial + ': ') &&
    /x=/.test(p.title)), pts[0] && pts[0].title);
  const line = await page.$eval('#plot path.best', (p) => ({ d: p.getAttribute('d'),
    title: p.querySelector('title').textContent }));
  check('best_so_far_line', /^M[\d.]+ [\d.]+( H[\d.]+( V[\d.]+)?)+$/.test(line.d) &&
    line.title === 'best so far: 5', JSON.stringify(line));
  const labels = await page.$$eval('#plot text.label', (t) => t.map((x) => x.textContent));
  check('axis_labels', labels.includes('trial') && labels.includes('score (maximize)'),
    JSON.stringify(labels));

  // The trials table, with the HTML-looking category value as plain text.
  const rows = await page.$$eval('#trials tr', (r) => r.map((x) => x.textContent));
  check('trial_table_lists_every_trial', rows.length === 8, rows.length);
  check('html_in_values_is_text', rows.some((t) => t.includes(HTMLISH)) &&
    (await page.$$('#trials img, #plot img')).length === 0 &&
    !(await page.evaluate(() => window.__pwned)), JSON.stringify(rows.slice(0, 2)));
  await page.screenshot({ path: join(out, 'tuning-done.png'), fullPage: true });

  // Cancel a running study from its row.
  await page.fill('#config', config.replace('browsergrid', 'browserslow'));
  await page.selectOption('#trainer', 'slow');
  await page.click('#submit');
  await page.waitForSelector('#rows tr[data-job="browserslow"][data-state="RUNNING"] button[data-action="cancel"]');
  await page.click('#rows tr[data-job="browserslow"] button[data-action="cancel"]');
  await page.waitForSelector('#rows tr[data-job="browserslow"][data-state="CANCELLED"]');
  check('cancel_from_page', true);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#rows tr[data-job="browsergrid"]');
  await page.waitForSelector('#detail[data-job="browsergrid"]');
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  check('phone_no_sideways_scroll', scroll <= 390, scroll);
  await page.screenshot({ path: join(out, 'tuning-phone.png'), fullPage: true });
  check('no_script_errors', errors.length === 0, errors.join('; '));
});
