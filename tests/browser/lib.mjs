// What the browser tests share: the server and login they are given (SEER_URL, SEER_USER,
// SEER_PASS, OUT: set by tests/lib/server.sh's browser_run), the ok/FAIL counters, and
// a run of Debian's chromium through playwright-core with a throwaway profile.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const base = process.env.SEER_URL;
export const user = process.env.SEER_USER || 'admin';
export const pass = process.env.SEER_PASS;
export const out = process.env.OUT || 'test-output';

let passed = 0, failed = 0;

export function check(name, cond, detail) {
  if (cond) { passed++; console.log('ok   ' + name); }
  else { failed++; console.log('FAIL ' + name + (detail !== undefined ? '\n    ' + detail : '')); }
}

// Fills the login form the page is on and waits for the Detect page it leads to.
export async function login(page) {
  await page.fill('#user', user);
  await page.fill('#password', pass);
  await Promise.all([page.waitForURL(base + '/'), page.click('#submit')]);
}

// Runs body(page, errors) in headless chromium at the given viewport, errors collecting the
// page's uncaught script errors. A throw counts as a failed check "browser_run". Then it
// prints "N passed, N failed" and exits 1 if any check failed.
export async function run(viewport, body) {
  mkdirSync(out, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'seer-chromium-'));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport,
    });
    const page = ctx.pages()[0] || await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await body(page, errors);
  } catch (e) {
    check('browser_run', false, e.stack || String(e));
  } finally {
    if (ctx) await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
