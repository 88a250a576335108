// The browser the demo-frontend tests drive: Debian's chromium through playwright-core, headless,
// with the flags this environment needs (no sandbox: CI runs as root in a container; no /dev/shm
// use: it is small there). The harness (tests/integration/test_browser.py) passes
//   LATCHKEY_SITES        {"fastapi": "http://127.0.0.1:<port>", ...}
//   LATCHKEY_MAIL_DIR     where the dir mail transport writes
//   LATCHKEY_SCREENSHOTS  where each page's screenshot goes (a CTest artifact)
//   LATCHKEY_FRONTEND_PORT  the port of the gateway sites' trusted frontend origin (CORS)
//   LATCHKEY_CHROMIUM     the browser binary (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after } from 'node:test';

import { chromium } from 'playwright-core';

export const sites = JSON.parse(process.env.LATCHKEY_SITES ?? '{}');
export const mailDir = process.env.LATCHKEY_MAIL_DIR;
const screenshots = process.env.LATCHKEY_SCREENSHOTS;
assert.ok(sites.fastapi && mailDir && screenshots, 'LATCHKEY_SITES, LATCHKEY_MAIL_DIR and LATCHKEY_SCREENSHOTS must be set');
mkdirSync(screenshots, { recursive: true });

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const unique = (tag) => `${tag}-${process.pid}-${Date.now() % 1e8}@example.com`;

let browser = null;
after(async () => {
  await browser?.close();
  for (const server of servers) server.close();
});

// A fresh profile (no cookies, no storage) and a page in it. Uncaught errors and console errors
// (a CSP violation among them) fail the test at `checkConsole`; failed loads of 4xx answers do not,
// since the demos make them on purpose.
export async function openPage(options = {}) {
  browser ??= await chromium.launch({
    executablePath: process.env.LATCHKEY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
      page.problems.push(`console: ${message.text()}`);
    }
  });
  return { context, page };
}

export function checkConsole(page) {
  assert.deepEqual(page.problems, [], 'the page logged errors');
}

export async function shot(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

// Waits until `selector`'s text matches `expected` (a string, whole and trimmed, or a RegExp).
export async function expectText(page, selector, expected, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let seen;
  for (;;) {
    seen = await page.locator(selector).first().textContent({ timeout }).then((t) => t?.trim() ?? '', () => null);
    if (seen !== null && (expected instanceof RegExp ? expected.test(seen) : seen === expected)) return seen;
    if (Date.now() > deadline) assert.fail(`${selector}: wanted ${expected}, saw ${JSON.stringify(seen)}`);
    await sleep(50);
  }
}

export async function expectPath(page, path) {
  await page.waitForURL((url) => url.pathname === path, { timeout: 10_000 });
}

// What page script can see of the session: both storages and document.cookie.
export function scriptView(page) {
  return page.evaluate(() => ({
    local: Object.fromEntries(Object.entries(localStorage)),
    session: Object.fromEntries(Object.entries(sessionStorage)),
    cookie: document.cookie,
  }));
}

// The answer to the next request whose path is `path`, as the page's own call gets it.
export function nextResponse(page, path, method = null) {
  return page.waitForResponse((r) => new URL(r.url()).pathname === path && (!method || r.request().method() === method),
                              { timeout: 15_000 });
}

// A page served from another origin on loopback, for cross-origin checks (`localhost` rather
// than 127.0.0.1 makes it another site, too). Answers every path with `html`.
const servers = [];
export async function serveElsewhere(html, { port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  servers.push(server);
  return server.address().port;
}

// Calls the API from Node, outside the browser, to check what the server thinks of a credential.
export async function apiStatus(url, headers = {}, method = 'GET') {
  const response = await fetch(url, { method, headers });
  return response.status;
}
