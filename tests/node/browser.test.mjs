// The demo frontends (web/) in a real browser, end to end through nginx and the service: what a
// person sees (inline field errors from the contracts' error maps, alerts, pages) and what the
// browser holds (storage, cookies, what other origins can do with them). One test per flow; the
// harness (tests/integration/test_browser.py) runs each in its own process. See browser.mjs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { test } from 'node:test';

import {
  apiStatus, checkConsole, expectPath, expectText, mailDir, nextResponse, openPage, scriptView,
  serveElsewhere, shot, sites, unique,
} from './browser.mjs';
import { nextCode, nextLink } from './mail.mjs';

const submit = (page, form) => page.click(`#${form} button[type=submit]`);

test('fastapi: inline errors, the token in localStorage, reload, logout revokes it', async () => {
  const { page } = await openPage();
  const site = sites.fastapi;
  const email = unique('fastapi');

  await page.goto(`${site}/register`);
  await page.fill('#register-username', 'ab');
  await page.fill('#register-email', 'not-an-email');
  await page.fill('#register-password', '123');
  await submit(page, 'register-form');
  // 422 with one entry per field, each under its input.
  await expectText(page, '#register-form [data-error-for="username"]', 'ensure this value has at least 3 characters');
  await expectText(page, '#register-form [data-error-for="email"]', 'value is not a valid email address');
  await expectText(page, '#register-form [data-error-for="password"]', 'ensure this value has at least 6 characters');
  assert.equal(await page.getAttribute('#register-email', 'aria-invalid'), 'true');
  await shot(page, 'fastapi-register-errors');

  const username = `u${Date.now() % 1e9}`;
  await page.fill('#register-username', username);
  await page.fill('#register-email', email);
  await page.fill('#register-password', 'secret-pass');
  await submit(page, 'register-form');
  await expectPath(page, '/login');
  await expectText(page, '#login-form .alert', `Welcome, ${username}. Log in with your new account.`);
  assert.equal(await page.inputValue('#login-email'), email);

  // The same email again: the 400's detail goes under the email field.
  await page.click('a[href="/register"] >> nth=0');
  await page.fill('#register-username', `${username}x`);
  await page.fill('#register-email', email.toUpperCase());
  await page.fill('#register-password', 'secret-pass');
  await submit(page, 'register-form');
  await expectText(page, '#register-form [data-error-for="email"]', 'Email already registered');

  await page.goto(`${site}/login`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', 'wrong-pass');
  await submit(page, 'login-form');
  await expectText(page, '#login-form .alert', 'Invalid email or password');
  await shot(page, 'fastapi-login-error');

  await page.fill('#login-password', 'secret-pass');
  const login = nextResponse(page, '/api/auth/token');
  await submit(page, 'login-form');
  const token = (await (await login).json()).access_token;
  await expectPath(page, '/');
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  await expectText(page, 'section[data-path="/"] [data-field="username"]', username);
  assert.equal((await scriptView(page)).local.auth_token, token, 'the seed keeps the token in localStorage');
  await shot(page, 'fastapi-account');

  await page.reload();
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);

  await page.click('#logout');
  await expectPath(page, '/login');
  assert.deepEqual((await scriptView(page)).local, {});
  assert.equal(await apiStatus(`${site}/api/auth/me`, { Authorization: `Bearer ${token}` }), 401, 'logout revoked the token');
  await page.goto(`${site}/`);
  await expectPath(page, '/login');  // no token: the account page sends the user to log in
  checkConsole(page);
});

async function registerOnGateway(page, site, email) {
  await page.goto(`${site}/register`);
  await submit(page, 'register-form');
  for (const [field, message] of [['firstName', 'First name is required.'], ['lastName', 'Last name is required.'],
    ['email', 'Email is required.'], ['password', 'Password is required.']]) {
    await expectText(page, `#register-form [data-error-for="${field}"]`, message);
  }
  await page.fill('#register-first', 'Ada');
  await page.fill('#register-last', 'Lovelace');
  await page.fill('#register-email', email);
  await page.fill('#register-password', 'short');
  await submit(page, 'register-form');
  await expectText(page, '#register-form [data-error-for="password"]', 'Password must be at least 8 characters.');
  await page.fill('#register-password', 'analytical-engine');
  await submit(page, 'register-form');
  await expectPath(page, '/login');
  await expectText(page, '#login-form .alert', 'Registration successful. You can log in now.');
}

test('gateway, token in the body: localStorage, reload, logout revokes the token', async () => {
  const { page, context } = await openPage();
  const site = sites.gateway;
  const email = unique('gwbody');
  await registerOnGateway(page, site, email);
  await shot(page, 'gateway-registered');

  await page.fill('#login-password', 'wrong-password');
  await submit(page, 'login-form');
  await expectText(page, '#login-form .alert', 'Invalid email or password');

  await page.fill('#login-password', 'analytical-engine');
  const login = nextResponse(page, '/api/auth/login');
  await submit(page, 'login-form');
  const token = (await (await login).json()).token;
  await expectPath(page, '/');
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  await expectText(page, '#session-kind', 'bearer token from localStorage');
  assert.equal((await scriptView(page)).local.token, token);
  assert.deepEqual(await context.cookies(), [], 'a body-delivery site sets no cookie');
  await shot(page, 'gateway-body-account');

  await page.reload();
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  await page.click('#logout');
  await expectPath(page, '/login');
  assert.deepEqual((await scriptView(page)).local, {});
  assert.equal(await apiStatus(`${site}/api/auth/me`, { Authorization: `Bearer ${token}` }), 401);
  checkConsole(page);
});

test('gateway, HttpOnly cookie: the page never holds the token and other origins cannot use it', async () => {
  const { page, context } = await openPage();
  const site = sites['gateway-cookie'];
  const email = unique('gwcookie');
  await registerOnGateway(page, site, email);
  await page.fill('#login-password', 'analytical-engine');
  const login = nextResponse(page, '/api/auth/login');
  await submit(page, 'login-form');
  assert.deepEqual(await (await login).json(), { message: 'Logged in' });
  await expectPath(page, '/');
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  await expectText(page, '#session-kind', 'HttpOnly cookie (invisible to this page)');
  await shot(page, 'gateway-cookie-account');

  const [cookie] = await context.cookies();
  assert.deepEqual({ ...cookie, value: undefined, expires: undefined },
    { name: 'token', value: undefined, domain: '127.0.0.1', path: '/', expires: undefined, httpOnly: true, secure: true, sameSite: 'Strict' });
  assert.deepEqual(await scriptView(page), { local: {}, session: {}, cookie: '' }, 'script sees no token anywhere');

  await page.reload();  // the cookie alone keeps the session
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);

  // The trusted frontend origin (CORS with credentials, same site) may call with the cookie...
  const api = `${site}/api/auth/me`;
  const probe = `<script>window.probe = (url) => fetch(url, { credentials: 'include' })
    .then(async (r) => ({ status: r.status, body: await r.json() }), (e) => ({ error: String(e) }));</script>`;
  const trusted = await serveElsewhere(probe, { port: Number(process.env.LATCHKEY_FRONTEND_PORT) });
  const friend = await context.newPage();
  await friend.goto(`http://127.0.0.1:${trusted}/`);
  const allowed = await friend.evaluate((url) => window.probe(url), api);
  assert.equal(allowed.status, 200);
  assert.equal(allowed.body.user.email, email);

  // ...another site may not: CORS hides the answer, and SameSite=Strict keeps the cookie home.
  const elsewhere = await serveElsewhere(`${probe}<a id="go" href="${api}">me</a>`);
  const stranger = await context.newPage();
  await stranger.goto(`http://localhost:${elsewhere}/`);
  const sent = stranger.waitForRequest((r) => r.url() === api);
  const refused = await stranger.evaluate((url) => window.probe(url), api);
  assert.match(refused.error ?? '', /TypeError/, 'a credentialed call from another origin must fail');
  assert.equal((await (await sent).allHeaders()).cookie, undefined, 'the cookie went to another site');
  const navigation = stranger.waitForResponse(api);
  await stranger.click('#go');  // a top-level cross-site navigation: Strict sends no cookie
  assert.equal((await navigation).status(), 401);

  await page.bringToFront();
  await page.click('#logout');
  await expectPath(page, '/login');
  assert.deepEqual(await context.cookies(), [], 'logout cleared the cookie');
  assert.equal(await apiStatus(api, { Cookie: `token=${cookie.value}` }), 401, 'logout revoked the token');
  checkConsole(page);
});

test('verified: inline errors, the emailed link verifies, forgot and reset the password', async () => {
  const { page } = await openPage();
  const site = sites.verified;
  const email = unique('verified');

  await page.goto(`${site}/register`);
  await page.fill('#register-email', 'ana@');
  await page.fill('#register-password', 'short');
  await page.fill('#register-confirm', 'other');
  await submit(page, 'register-form');
  await expectText(page, '#register-form [data-error-for="email"]', 'Invalid email');
  await expectText(page, '#register-form [data-error-for="password"]', 'Password must be at least 8 characters');
  await shot(page, 'verified-register-errors');
  await page.fill('#register-email', email);
  await page.fill('#register-password', 'first-password');
  await submit(page, 'register-form');
  await expectText(page, '#register-form [data-error-for="confirmPassword"]', 'Passwords do not match');
  assert.equal(await page.textContent('#register-form [data-error-for="email"]'), '', 'old errors are cleared');

  await page.fill('#register-first', 'Ana');
  await page.fill('#register-last', 'López');
  await page.fill('#register-email', email);
  await page.fill('#register-password', 'first-password');
  await page.fill('#register-confirm', 'first-password');
  const verifyLink = nextLink(mailDir, email);
  await submit(page, 'register-form');
  await expectPath(page, '/login');
  await expectText(page, '#login-form .alert', /^Registration successful\. Verification email sent\./);

  await page.fill('#login-password', 'first-password');
  await submit(page, 'login-form');
  await expectText(page, '#login-form .alert', 'Email not verified');
  assert.equal(await page.isVisible('#resend-form'), true, 'an unverified user is offered a new link');
  await shot(page, 'verified-login-unverified');

  const link = await verifyLink();
  assert.match(link, new RegExp(`^${site}/verify-email\\?token=`));
  await page.goto(link);
  await expectText(page, '#verify-status', 'Email verified');
  await expectPath(page, '/verify-email');  // the token left the address bar
  await shot(page, 'verified-verify-email');
  await page.click('#verify-continue');
  await expectPath(page, '/login');

  await page.fill('#login-email', email);
  await page.fill('#login-password', 'first-password');
  const login = nextResponse(page, '/api/auth/login');
  await submit(page, 'login-form');
  const oldToken = (await (await login).json()).token;
  await expectPath(page, '/');
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  await expectText(page, 'section[data-path="/"] [data-field="lastName"]', 'López');
  await page.reload();
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  await shot(page, 'verified-account');

  await page.click('#logout');
  await page.click('a[href="/forgot-password"]');
  await page.fill('#forgot-email', email);
  const resetLink = nextLink(mailDir, email);
  await submit(page, 'forgot-form');
  await expectText(page, '#forgot-form .alert', /reset link/i);
  await shot(page, 'verified-forgot');

  await page.goto(await resetLink());
  await expectPath(page, '/reset-password');
  await page.fill('#reset-password', 'second-password');
  await page.fill('#reset-confirm', 'second-passwort');
  await submit(page, 'reset-form');
  await expectText(page, '#reset-form [data-error-for="confirmPassword"]', 'Passwords do not match');
  await shot(page, 'verified-reset-errors');
  await page.fill('#reset-confirm', 'second-password');
  await submit(page, 'reset-form');
  await expectPath(page, '/login');
  await expectText(page, '#login-form .alert', 'Password has been reset. Log in with the new password.');
  assert.equal(await apiStatus(`${site}/api/auth/me`, { Authorization: `Bearer ${oldToken}` }), 401,
               'tokens from before the reset are refused');

  await page.fill('#login-email', email);
  await page.fill('#login-password', 'second-password');
  await submit(page, 'login-form');
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  checkConsole(page);
});

async function registerMerchant(page, site, email) {
  await page.goto(`${site}/register`);
  await page.check('#register-form input[value="merchant"]');
  await page.fill('#register-email', email);
  await page.fill('#register-password', 'short');
  await submit(page, 'register-form');
  await expectText(page, '#register-form [data-error-for="storeName"]', /required/i);
  await expectText(page, '#register-form [data-error-for="password"]', /at least 8/);
  await shot(page, 'storefront-register-errors');
  await page.fill('#register-store', 'Corner Shop');
  await page.fill('#register-password', 'shop-keeper-1');
  const registered = nextResponse(page, '/api/auth/merchant/register');
  await submit(page, 'register-form');
  const accessToken = (await (await registered).json()).accessToken;
  await expectPath(page, '/');
  await expectText(page, 'section[data-path="/"] [data-field="storeName"]', 'Corner Shop');
  return accessToken;
}

// Nothing page script can reach holds a credential: no storage at all, no readable cookie.
async function assertNothingStored(page, context, accessToken) {
  const view = await scriptView(page);
  assert.deepEqual(view, { local: {}, session: {}, cookie: '' });
  assert.ok(!JSON.stringify(view).includes(accessToken));
  const [cookie] = await context.cookies();
  assert.equal(cookie.name, 'refreshToken');
  assert.deepEqual([cookie.path, cookie.httpOnly, cookie.secure, cookie.sameSite], ['/api/auth', true, true, 'Strict']);
  return cookie.value;
}

test('storefront: the access token lives in memory and is renewed silently, also across reloads', async () => {
  const { page, context } = await openPage();
  const site = sites.storefront;
  const email = unique('shop');
  await page.clock.install();  // the renewal timer can then be run ahead (the server's clock is real)
  const accessToken = await registerMerchant(page, site, email);
  const firstRefresh = await assertNothingStored(page, context, accessToken);
  await expectText(page, '#token-state', /^in memory, expires /);
  await shot(page, 'storefront-account');

  // Steps 5 and 6: a minute before the 15 minutes are up, the page renews the token by itself.
  const renewed = nextResponse(page, '/api/auth/refresh');
  await page.clock.runFor('14:05');
  const renewal = await renewed;
  assert.equal(renewal.status(), 200);
  const newToken = (await renewal.json()).accessToken;
  assert.notEqual(newToken, accessToken);
  await expectText(page, '#token-state', /renewed 1×$/);
  assert.notEqual((await context.cookies())[0].value, firstRefresh, 'the refresh cookie rotated');
  // The renewed token is the one the page now sends.
  const me = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/auth/me');
  await page.click('nav a[href="/"]');
  assert.equal((await me).headers().authorization, `Bearer ${newToken}`);
  await assertNothingStored(page, context, newToken);

  // A reload forgets the token; the cookie brings a new one.
  const afterReload = nextResponse(page, '/api/auth/refresh');
  await page.reload();
  assert.equal((await afterReload).status(), 200);
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  await expectText(page, 'section[data-path="/"] [data-field="type"]', 'merchant');
  checkConsole(page);
});

test('storefront: another site cannot use the refresh cookie, and logout ends the session', async () => {
  const { page, context } = await openPage();
  const site = sites.storefront;
  const email = unique('shop2');
  await registerMerchant(page, site, email);
  const refreshCookie = (await context.cookies())[0].value;

  // From another site: a credentialed refresh fails (CORS), and a no-cors one carries no cookie.
  const refresh = `${site}/api/auth/refresh`;
  const elsewhere = await serveElsewhere(`<script>
    window.attack = async (url) => {
      const cors = await fetch(url, { method: 'POST', credentials: 'include' }).then((r) => r.status, (e) => String(e));
      await fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' });
      return cors;
    };</script>`);
  const stranger = await context.newPage();
  await stranger.goto(`http://localhost:${elsewhere}/`);
  const cookies = [];
  stranger.on('request', async (r) => { if (r.url() === refresh) cookies.push((await r.allHeaders()).cookie); });
  assert.match(String(await stranger.evaluate((url) => window.attack(url), refresh)), /TypeError/);
  await stranger.waitForTimeout(300);
  assert.ok(cookies.length >= 1 && cookies.every((c) => c === undefined), 'the refresh cookie went to another site');
  assert.equal((await context.cookies())[0].value, refreshCookie, 'nothing rotated the cookie');
  await stranger.close();

  // Still signed in; then logout revokes the family and clears the cookie.
  await page.reload();
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  const current = (await context.cookies())[0].value;
  await page.click('#logout');
  await expectPath(page, '/login');
  assert.deepEqual(await context.cookies(), []);
  assert.equal(await apiStatus(refresh, { Cookie: `refreshToken=${current}` }, 'POST'), 401, 'logout revoked the family');
  const refused = nextResponse(page, '/api/auth/refresh');
  await page.goto(`${site}/`);
  assert.equal((await refused).status(), 401);
  await expectPath(page, '/login');

  // A customer's wrong password: the contract's message as an alert (one of the 5 logins a minute).
  await page.fill('#login-email', email);
  await page.fill('#login-password', 'not-the-password');
  await submit(page, 'login-form');
  await expectText(page, '#login-form .alert', 'Invalid credentials');
  await shot(page, 'storefront-login-error');
  await page.check('#login-form input[value="merchant"]');
  await page.fill('#login-password', 'shop-keeper-1');
  await submit(page, 'login-form');
  await expectText(page, 'section[data-path="/"] [data-field="storeName"]', 'Corner Shop');
  await shot(page, 'storefront-login-again');
  checkConsole(page);
});

test('booking: Amplify email-code sign-up, the profile, reload, sign out and sign in again', async () => {
  const { page } = await openPage();
  const site = sites.booking;
  const email = unique('booking');

  await page.goto(`${site}/`);
  await expectText(page, 'section[data-step="email"] h2', 'Sign in or sign up');
  await shot(page, 'booking-email');
  let code = nextCode(mailDir, email);
  await page.fill('#email', email);
  await submit(page, 'email-form');  // signIn: UserNotFound, then signUp
  await expectText(page, '#code-email', email);
  const right = await code();
  await page.fill('#code', right === '00000000' ? '11111111' : '00000000');
  await submit(page, 'code-form');
  await expectText(page, '#code-form [data-error-for="code"]', 'That code is not right. Check the email and try again.');
  await shot(page, 'booking-code-error');
  await page.fill('#code', right);
  await submit(page, 'code-form');  // confirmSignUp, then autoSignIn

  await expectText(page, 'section[data-step="profile-form"] [data-field="email"]', email);
  await page.fill('#profile-name', 'María García');
  await page.fill('#profile-phone', '12');
  await submit(page, 'profile-form');
  await expectText(page, '#profile-form [data-error-for="phone"]', 'ensure this value has at least 7 characters');
  await shot(page, 'booking-profile-errors');
  await page.fill('#profile-phone', '+34 612 345 678');
  await page.selectOption('#profile-language', 'es');
  const created = nextResponse(page, '/api/customers/me', 'POST');
  await submit(page, 'profile-form');
  assert.equal((await created).status(), 201);
  await expectText(page, 'section[data-step="profile"] [data-field="name"]', 'María García');
  await expectText(page, 'section[data-step="profile"] [data-field="preferred_language"]', 'es');
  await shot(page, 'booking-profile');

  await page.reload();  // Amplify kept the session
  await expectText(page, 'section[data-step="profile"] [data-field="email"]', email);

  await page.click('#sign-out');
  await expectText(page, 'section[data-step="email"] h2', 'Sign in or sign up');
  code = nextCode(mailDir, email);
  await page.fill('#email', email);
  await submit(page, 'email-form');  // an existing user: signIn, then confirmSignIn
  await page.fill('#code', await code());
  const read = nextResponse(page, '/api/customers/me', 'GET');
  await submit(page, 'code-form');
  assert.equal((await read).status(), 200, 'the profile exists: no form this time');
  await expectText(page, 'section[data-step="profile"] [data-field="phone"]', '+34 612 345 678');
  checkConsole(page);
});

test('booking: change the email with a code, sign out everywhere, delete the account', async () => {
  const { page } = await openPage();
  const site = sites.booking;
  const email = unique('bk-acct');
  const address = unique('bk-moved');

  await page.goto(`${site}/`);
  await expectText(page, 'section[data-step="email"] h2', 'Sign in or sign up');
  let code = nextCode(mailDir, email);
  await page.fill('#email', email);
  await submit(page, 'email-form');  // a new user: signUp
  await expectText(page, '#code-email', email);
  await page.fill('#code', await code());
  await submit(page, 'code-form');
  await expectText(page, 'section[data-step="profile-form"] [data-field="email"]', email);
  await page.fill('#profile-name', 'Ana');
  await submit(page, 'profile-form');
  await expectText(page, 'section[data-step="profile"] [data-field="email"]', email);

  // updateUserAttributes mails the new address; a wrong code changes nothing; a new code
  // replaces the first; confirmUserAttribute with it moves the account and its profile.
  code = nextCode(mailDir, address);
  await page.fill('#new-email', address);
  await submit(page, 'email-change-form');
  await expectText(page, '#new-email-sent', address);
  const first = await code();
  await page.fill('#email-code', first === '00000000' ? '11111111' : '00000000');
  await submit(page, 'email-code-form');
  await expectText(page, '#email-code-form [data-error-for="code"]', 'That code is not right. Check the email and try again.');
  await expectText(page, 'section[data-step="profile"] [data-field="email"]', email);
  code = nextCode(mailDir, address);
  await page.click('#resend-email-code');
  await expectText(page, '#email-code-form .alert', 'A new code is on its way; the earlier one no longer works.');
  await page.fill('#email-code', await code());
  await submit(page, 'email-code-form');
  await expectText(page, '#email-change-form .alert', 'Your email has changed.');
  await expectText(page, 'section[data-step="profile"] [data-field="email"]', address);
  await shot(page, 'booking-email-changed');

  // signOut({global: true}), then a sign-in with the new address finds the same profile.
  await page.click('#sign-out-everywhere');
  await expectText(page, 'section[data-step="email"] h2', 'Sign in or sign up');
  code = nextCode(mailDir, address);
  await page.fill('#email', address);
  await submit(page, 'email-form');
  await page.fill('#code', await code());
  await submit(page, 'code-form');
  await expectText(page, 'section[data-step="profile"] [data-field="name"]', 'Ana');

  // deleteUser, only once confirmed; the address is then free to sign up anew.
  await submit(page, 'delete-form');
  await expectText(page, '#delete-form [data-error-for="confirm"]', 'Tick the box to confirm.');
  await page.check('#delete-confirm');
  await submit(page, 'delete-form');
  await expectText(page, '#email-form .alert', 'Your account was deleted.');
  await shot(page, 'booking-deleted');
  code = nextCode(mailDir, address);
  await page.fill('#email', address);
  await submit(page, 'email-form');  // signIn: UserNotFound, then signUp
  await expectText(page, '#code-email', address);
  await code();
  checkConsole(page);
});

// --- the account settings page (/account) and the email-change landing page (/confirm-email) ---
// One flow per site, the same steps on each: another device signed in from outside the browser is
// listed and ended from the page; a password change (a wrong current password and a too-short new
// one first) keeps this device signed in with a fresh credential and ends every other session;
// sign out everywhere ends them all; deleting the account takes a confirmation and the password.
// What differs per site is in ACCOUNT_SITES: how to get signed in, how another device signs in,
// and the contract's wording.

const OTHER_AGENT = 'curl/8.4.0';  // the other device's User-Agent, shown on its session row

// Each call from an address of its own (127.0.1.x): nginx counts logins per client network (on
// storefront 5 a minute), and the other device's sign-ins must not spend the browser's.
let postCount = 0;
let lastPostAddress = null;  // where the latest call came from, as the service saw it
function post(url, body, headers = {}) {
  const payload = JSON.stringify(body);
  const localAddress = `127.0.1.${(postCount++ % 250) + 1}`;
  lastPostAddress = localAddress;
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST', localAddress,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload),
        'User-Agent': OTHER_AGENT, ...headers },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({
        status: response.statusCode,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        cookies: response.headers['set-cookie'] ?? [],
      }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

// Logs in through the site's login form (the email filled in, the password typed).
async function logInOnPage(page, site, email, password, kind = null) {
  await page.goto(`${site}/login`);
  if (kind) await page.check(`#login-form input[value="${kind}"]`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await submit(page, 'login-form');
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
}

const ACCOUNT_SITES = {
  gateway: {
    site: () => sites.gateway,
    async signUp(site, email, password) {
      const r = await post(`${site}/api/auth/register`, { firstName: 'Ada', lastName: 'Lovelace', email, password });
      assert.equal(r.status, 201);
    },
    async otherDevice(site, email, password) {
      const r = await post(`${site}/api/auth/login`, { email, password });
      assert.equal(r.status, 200);
      return bearer(r.body.token);
    },
    wrongCurrent: 'Current password is incorrect',
    shortNew: 'New password must be at least 8 characters.',
    changed: 'Password changed. Every other session has been signed out.',
    wrongPassword: 'Password is incorrect',
    deleted: 'Account deleted. Everything it held is gone.',
    loginRefused: 'Invalid email or password',
  },
  fastapi: {
    site: () => sites.fastapi,
    async signUp(site, email, password) {
      const r = await post(`${site}/api/auth/register`, { username: `u${Date.now() % 1e9}`, email, password });
      assert.equal(r.status, 201);
    },
    async otherDevice(site, email, password) {
      const r = await post(`${site}/api/auth/token`, { email, password });
      assert.equal(r.status, 200);
      return bearer(r.body.access_token);
    },
    wrongCurrent: 'Incorrect password',
    shortNew: 'ensure this value has at least 6 characters',
    changed: 'Password updated successfully. Every other session has been signed out.',
    wrongPassword: 'Incorrect password',
    deleted: 'Account deleted successfully. Everything it held is gone.',
    loginRefused: 'Invalid email or password',
  },
  verified: {
    site: () => sites.verified,
    async signUp(site, email, password) {
      const link = nextLink(mailDir, email);
      const r = await post(`${site}/api/auth/register`, { email, password, confirmPassword: password });
      assert.equal(r.status, 201);
      const token = new URL(await link()).searchParams.get('token');
      assert.equal((await fetch(`${site}/api/auth/verify?token=${encodeURIComponent(token)}`)).status, 200);
    },
    async otherDevice(site, email, password) {
      const r = await post(`${site}/api/auth/login`, { email, password });
      assert.equal(r.status, 200);
      return bearer(r.body.token);
    },
    confirmField: true,
    wrongCurrent: 'Current password is incorrect',
    shortNew: 'New password must be at least 8 characters',
    changed: 'Password changed. Every other session has been signed out.',
    wrongPassword: 'Password is incorrect',
    deleted: 'Account deleted. Everything it held is gone.',
    loginRefused: 'Invalid credentials',
  },
  // nginx lets one network log in on storefront 5 times a minute: the browser signs up on the
  // page (registering signs in), and the deleted account is checked by registering its address.
  storefront: {
    site: () => sites.storefront,
    kind: 'customer',
    async signUpHere(page, site, email, password) {
      await page.goto(`${site}/register`);
      await page.fill('#register-first', 'Cleo');
      await page.fill('#register-last', 'Buyer');
      await page.fill('#register-email', email);
      await page.fill('#register-password', password);
      await submit(page, 'register-form');
      await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
    },
    async gone(page, site, email, password) {
      const r = await post(`${site}/api/auth/customer/register`, { email, password, firstName: 'Cleo', lastName: 'Again' });
      assert.equal(r.status, 201, 'the deleted account\'s address is free');
    },
    async otherDevice(site, email, password) {
      const r = await post(`${site}/api/auth/customer/login`, { email, password });
      assert.equal(r.status, 200);
      return bearer(r.body.accessToken);
    },
    wrongCurrent: 'Current password is incorrect',
    shortNew: 'New password must be at least 8 characters',
    changed: 'Password changed successfully. Every other session has been signed out.',
    wrongPassword: 'Password is incorrect',
    deleted: 'Account deleted successfully. Everything it held is gone.',
    loginRefused: 'Invalid credentials',
  },
};

// Signs up and logs in: through the API and the login form, or on the page where that is cheaper.
async function signUpAndIn(t, page, site, email, password) {
  if (t.signUpHere) return t.signUpHere(page, site, email, password);
  await t.signUp(site, email, password);
  await logInOnPage(page, site, email, password, t.kind);
}

// After deletion the account cannot log in (storefront: its address registers anew, see above).
async function assertGone(t, page, site, email, password) {
  if (t.gone) return t.gone(page, site, email, password);
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await submit(page, 'login-form');
  await expectText(page, '#login-form .alert', t.loginRefused);
}

const region = (page, name) => page.getByRole('region', { name });
const sessionRows = (page) => region(page, 'Sessions').getByRole('listitem');

// Opens the settings from the navigation and waits for the sessions to be listed.
async function openSettings(page, email, rows) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await expectPath(page, '/account');
  await expectText(page, 'section[data-path="/account"] [data-field="email"]', email);
  await page.waitForFunction((n) => document.querySelectorAll('#sessions li').length === n, rows);
}

// The account pages call the API through the client generated from the contract's OpenAPI
// document: the page loaded the bundle scripts/build-web makes of it.
async function assertGeneratedClient(page, contract) {
  const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
  assert.ok(loaded.includes(`/demo/${contract}/dist/account-api.js`), `the generated client's bundle: ${loaded.join(' ')}`);
}

async function accountFlow(name) {
  const t = ACCOUNT_SITES[name];
  const site = t.site();
  const { page } = await openPage();
  const email = unique(`${name}-acct`);
  const me = `${site}/api/auth/me`;
  await signUpAndIn(t, page, site, email, 'first-password-1');
  const other = await t.otherDevice(site, email, 'first-password-1');
  const otherAddress = lastPostAddress;

  // Two sessions: this browser's, marked, and the other device's, with its agent and address.
  await openSettings(page, email, 2);
  await assertGeneratedClient(page, name);
  const here = sessionRows(page).filter({ hasText: 'This device' });
  await expectText(page, '#sessions li:has(.badge) strong', 'Chrome on Linux');
  assert.equal(await here.count(), 1);
  const there = sessionRows(page).filter({ hasNotText: 'This device' });
  await expectText(page, '#sessions li:not(:has(.badge)) strong', 'curl');
  assert.match(await there.textContent(), new RegExp(`Address${otherAddress.replaceAll('.', '\\.')}(?!\\d)`));
  assert.match(await there.textContent(), new RegExp(`Browser${OTHER_AGENT.replaceAll('.', '\\.')}`));
  await shot(page, `${name}-account-settings`);
  assert.equal(await apiStatus(me, other), 200);
  await there.getByRole('button', { name: 'End session' }).click();
  await expectText(page, '#sessions-status', 'Session revoked');
  await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 1);
  assert.equal(await apiStatus(me, other), 401, 'the ended session\'s token is refused');

  // The password: the contract's errors first, then a change that keeps this device signed in.
  const another = await t.otherDevice(site, email, 'first-password-1');
  const passwords = region(page, 'Change password');
  const fillPasswords = async (current, next) => {
    await passwords.getByLabel('Current password').fill(current);
    await passwords.getByLabel('New password', { exact: true }).fill(next);
    if (t.confirmField) await passwords.getByLabel('Confirm new password').fill(next);
  };
  await fillPasswords('not-the-password', 'second-password-2');
  await passwords.getByRole('button', { name: 'Change password' }).click();
  await expectText(page, '#password-form .alert', t.wrongCurrent);
  await fillPasswords('first-password-1', 'short');
  await passwords.getByRole('button', { name: 'Change password' }).click();
  await expectText(page, '#password-form .field-error:not(:empty)', t.shortNew);
  await shot(page, `${name}-change-password-errors`);
  const before = await scriptView(page);
  await fillPasswords('first-password-1', 'second-password-2');
  const relisted = nextResponse(page, '/api/auth/sessions', 'GET');
  await passwords.getByRole('button', { name: 'Change password' }).click();
  await expectText(page, '#password-form .alert', t.changed);
  assert.equal(await apiStatus(me, another), 401, 'the change ended the other device\'s session');
  const { sessions: left } = await (await relisted).json();
  assert.deepEqual(left.map((s) => s.current), [true], 'this device continues in a new session, alone');
  await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 1);
  assert.equal(await here.count(), 1);
  const after = await scriptView(page);
  if (before.local.token ?? before.local.auth_token) {
    assert.notEqual(after.local.token ?? after.local.auth_token, before.local.token ?? before.local.auth_token);
    assert.equal(await apiStatus(me, bearer(before.local.token ?? before.local.auth_token)), 401);
  }

  // Sign out everywhere: this device and every other.
  const third = await t.otherDevice(site, email, 'second-password-2');
  await page.reload();  // the fresh credential is the one the page keeps
  await expectText(page, 'section[data-path="/account"] [data-field="email"]', email);
  await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 2);
  await region(page, 'Sessions').getByRole('button', { name: 'Sign out everywhere' }).click();
  await expectPath(page, '/login');
  await expectText(page, '#login-form .alert', 'Signed out everywhere. Log in again to continue.');
  assert.equal(await apiStatus(me, third), 401);
  assert.deepEqual((await scriptView(page)).local, {});
  await page.goto(`${site}/account`);
  await expectPath(page, '/login');  // signed out: the settings send the user to log in

  // Delete: nothing happens before the confirmation; a wrong password is the contract's error.
  await logInOnPage(page, site, email, 'second-password-2', t.kind);
  await openSettings(page, email, 1);
  const deletion = region(page, 'Delete account');
  await deletion.getByRole('button', { name: 'Delete my account…' }).click();
  await deletion.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await deletion.getByLabel('Password to confirm').isVisible(), false);
  await deletion.getByRole('button', { name: 'Delete my account…' }).click();
  await deletion.getByLabel('Password to confirm').fill('first-password-1');
  await deletion.getByRole('button', { name: 'Delete the account permanently' }).click();
  await expectText(page, '#delete-form .alert', t.wrongPassword);
  await shot(page, `${name}-delete-confirm`);
  await deletion.getByLabel('Password to confirm').fill('second-password-2');
  await deletion.getByRole('button', { name: 'Delete the account permanently' }).click();
  await expectPath(page, '/login');
  await expectText(page, '#login-form .alert', t.deleted);
  await assertGone(t, page, site, email, 'second-password-2');
  checkConsole(page);
}

test('gateway: account settings: sessions, change password, sign out everywhere, delete', () => accountFlow('gateway'));
test('fastapi: account settings: sessions, change password, sign out everywhere, delete', () => accountFlow('fastapi'));
test('verified: account settings: sessions, change password, sign out everywhere, delete', () => accountFlow('verified'));
test('storefront: account settings: sessions, change password, sign out everywhere, delete', () => accountFlow('storefront'));

test('gateway, HttpOnly cookie: the new password comes with a new cookie; ending this session clears it', async () => {
  const { page, context } = await openPage();
  const site = sites['gateway-cookie'];
  const email = unique('gwcookie-acct');
  await ACCOUNT_SITES.gateway.signUp(site, email, 'first-password-1');
  await logInOnPage(page, site, email, 'first-password-1');
  const [first] = await context.cookies();
  await openSettings(page, email, 1);
  await assertGeneratedClient(page, 'gateway');
  const passwords = region(page, 'Change password');
  await passwords.getByLabel('Current password').fill('first-password-1');
  await passwords.getByLabel('New password', { exact: true }).fill('second-password-2');
  await passwords.getByRole('button', { name: 'Change password' }).click();
  await expectText(page, '#password-form .alert', 'Password changed. Every other session has been signed out.');
  const [second] = await context.cookies();
  assert.notEqual(second.value, first.value, 'the change set a new token cookie');
  assert.equal(second.httpOnly, true);
  assert.equal(await apiStatus(`${site}/api/auth/me`, { Cookie: `token=${first.value}` }), 401);
  assert.deepEqual(await scriptView(page), { local: {}, session: {}, cookie: '' });
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 1);
  await shot(page, 'gateway-cookie-account-settings');

  await sessionRows(page).filter({ hasText: 'This device' })
    .getByRole('button', { name: 'End this session (sign out here)' }).click();
  await expectPath(page, '/login');
  await expectText(page, '#login-form .alert', 'Session revoked. This device is signed out.');
  assert.deepEqual(await context.cookies(), [], 'ending this session cleared the cookie');
  assert.equal(await apiStatus(`${site}/api/auth/me`, { Cookie: `token=${second.value}` }), 401);
  checkConsole(page);
});

// Change email, one flow per site: the password is asked for (a wrong one is the contract's
// error), the link goes to the new address and opens /confirm-email, which posts the token and
// shows the answer; then the account logs in with the new address only.
async function changeEmailFlow(name) {
  const t = ACCOUNT_SITES[name];
  const site = t.site();
  const { page } = await openPage();
  const email = unique(`${name}-old`);
  const newEmail = unique(`${name}-new`);
  await signUpAndIn(t, page, site, email, 'first-password-1');
  await openSettings(page, email, 1);
  await assertGeneratedClient(page, name);

  const change = region(page, 'Change email');
  await change.getByLabel('New email').fill(newEmail);
  await change.getByLabel('Password', { exact: true }).fill('not-the-password');
  await change.getByRole('button', { name: 'Change email' }).click();
  await page.waitForSelector('#email-form .alert.error:not([hidden])');
  assert.notEqual((await page.textContent('#email-form .alert')).trim(), '', 'the contract\'s error is shown');

  await change.getByLabel('Password', { exact: true }).fill('first-password-1');
  const link = nextLink(mailDir, newEmail);
  const asked = nextResponse(page, '/api/auth/change-email', 'POST');
  await change.getByRole('button', { name: 'Change email' }).click();
  assert.equal((await asked).status(), 202);
  await expectText(page, '#email-form .alert.success', new RegExp(`Open the link sent to ${newEmail.replace(/[.+]/g, '\\$&')} to confirm it\\.$`));
  await shot(page, `${name}-change-email`);

  const url = await link();
  assert.ok(url.startsWith(`${site}/confirm-email?token=`), url);
  const confirmed = nextResponse(page, '/api/auth/confirm-email', 'POST');
  await page.goto(url);
  assert.equal((await confirmed).status(), 200);
  await page.waitForSelector('#confirm-status.success');
  await assertGeneratedClient(page, name);
  await expectPath(page, '/confirm-email');  // the token left the address bar
  await shot(page, `${name}-confirm-email`);

  await logInOnPage(page, site, newEmail, 'first-password-1', t.kind);
  await page.click('#logout');
  await expectPath(page, '/login');
  await page.fill('#login-email', email);
  await page.fill('#login-password', 'first-password-1');
  await submit(page, 'login-form');
  await expectText(page, '#login-form .alert', t.loginRefused);
  checkConsole(page);
}

test('gateway: change email, confirmed from the mailed link', () => changeEmailFlow('gateway'));
test('fastapi: change email, confirmed from the mailed link', () => changeEmailFlow('fastapi'));
test('verified: change email, confirmed from the mailed link', () => changeEmailFlow('verified'));
test('storefront: change email, confirmed from the mailed link', () => changeEmailFlow('storefront'));

// Storefront's account calls keep the demo's refresh-and-retry through the generated client: the
// first sessions call goes out with an access token the service refuses (as an expired one would
// be), and the page refreshes once from the cookie and retries once with the renewed token.
test('storefront: an account call answered 401 is refreshed and retried once', async () => {
  const t = ACCOUNT_SITES.storefront;
  const site = t.site();
  const { page } = await openPage();
  const email = unique('storefront-retry');
  await signUpAndIn(t, page, site, email, 'first-password-1');
  const sent = [];
  await page.route(`${site}/api/auth/sessions`, async (route) => {
    const headers = route.request().headers();
    sent.push(headers.authorization);
    if (sent.length === 1) headers.authorization = 'Bearer not-a-valid-token';
    await route.continue({ headers });
  });
  const refused = nextResponse(page, '/api/auth/sessions', 'GET');
  const renewed = nextResponse(page, '/api/auth/refresh', 'POST');
  await openSettings(page, email, 1);
  assert.equal((await refused).status(), 401);
  const renewal = await renewed;
  assert.equal(renewal.status(), 200);
  await assertGeneratedClient(page, 'storefront');
  assert.equal(sent.length, 2, 'one retry');
  assert.equal(sent[1], `Bearer ${(await renewal.json()).accessToken}`, 'the retry carries the renewed access token');
  await expectText(page, '#sessions li .badge', 'This device');
  await expectPath(page, '/account');
  checkConsole(page);
});

// --- an authenticator app (TOTP) as a second factor -------------------------------------------
// One flow per password site: enrol on the account page (the key read off the page, the QR code
// beside it), confirm with a code, the ten recovery codes shown once; sign in with the password
// and a code of the next step (the confirming code's step is spent), then with a recovery code;
// new recovery codes; disable, after which the password alone signs in. The codes come from
// oathtool, an implementation independent of the service's. nginx lets one address log in on
// storefront 5 times a minute: its flow makes 3 sign-ins and 2 second steps, within that even where
// the second steps count too, so no wrong code at sign-in there (the other sites show that error).

// The code an authenticator app shows for the base32 `secret` at Unix time `at`.
const totpCode = (secret, at = Date.now() / 1000) =>
  execFileSync('oathtool', ['--totp', '--base32', `--now=@${Math.floor(at)}`, secret], { encoding: 'utf8' }).trim();

// Six digits that are none of the codes the service would take around now.
function wrongCode(secret) {
  const now = Date.now() / 1000;
  const near = [-60, -30, 0, 30, 60].map((shift) => totpCode(secret, now + shift));
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !near.includes(c));
}

// The password step on the login page; the caller looks at what follows.
async function passwordStep(page, site, email, password, kind) {
  await page.goto(`${site}/login`);
  if (kind) await page.check(`#login-form input[value="${kind}"]`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await submit(page, 'login-form');
}

// Signed in: the account page (with the kind of session, where the site shows it), then the
// settings with this device's session and the status of the authenticator app as the API reports it.
async function assertSignedIn(page, email, state, session) {
  await expectText(page, 'section[data-path="/"] [data-field="email"]', email);
  if (session) await expectText(page, '#session-kind', session);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expectPath(page, '/account');
  await expectText(page, 'section[data-path="/account"] [data-field="email"]', email);
  await expectText(page, '#sessions li .badge', 'This device');
  await expectText(page, '#totp-state', state);
}

async function signOut(page) {
  await page.getByRole('link', { name: 'Account', exact: true }).click();
  await page.click('#logout');
  await expectPath(page, '/login');
}

// `site`, `tag` (of the screenshots) and `session` for the gateway's cookie site: the second step
// sets the cookie there.
async function totpFlow(name, { site = ACCOUNT_SITES[name].site(), tag = name, session } = {}) {
  const t = ACCOUNT_SITES[name];
  const { page } = await openPage();
  const email = unique(`${name}-totp`);
  const password = 'first-password-1';
  await signUpAndIn(t, page, site, email, password);
  await assertSignedIn(page, email, 'Two-factor authentication is off.');
  await assertGeneratedClient(page, name);

  // Enrol: the password first (a wrong one is the contract's error), then the key as a QR code
  // and as text, confirmed by a code of the app.
  const security = region(page, 'Security');
  await security.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const enrolForm = page.locator('#totp-enroll-form');
  await enrolForm.getByLabel('Password').fill('not-the-password');
  await security.getByRole('button', { name: 'Continue' }).click();
  await expectText(page, '#totp-enroll-form .alert', t.wrongPassword);
  await enrolForm.getByLabel('Password').fill(password);
  const enrolled = nextResponse(page, '/api/auth/totp/enroll', 'POST');
  await security.getByRole('button', { name: 'Continue' }).click();
  const answer = await (await enrolled).json();
  const qr = security.getByRole('img', { name: 'QR code to scan with your authenticator app' });
  await qr.waitFor();
  assert.match(await qr.getAttribute('src'), /^data:image\/png;base64,/);
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is drawn');
  const secret = await expectText(page, '#totp-secret', /^[A-Z2-7]{16,}$/);
  assert.equal(secret, answer.secret);
  assert.ok((answer.otpauthUri ?? answer.otpauth_uri).includes(`secret=${secret}`));
  await shot(page, `${tag}-totp-enrol`);

  const confirmCode = security.getByLabel('Code from the app', { exact: true });
  await confirmCode.fill(wrongCode(secret));
  await security.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expectText(page, '#totp-confirm-form .alert', 'Invalid code');
  const confirmedAt = Date.now() / 1000;
  await confirmCode.fill(totpCode(secret, confirmedAt));
  await security.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expectText(page, '#totp-state', 'Two-factor authentication is on. Recovery codes left: 10.');
  await expectText(page, '#totp-recovery .alert', /^Save these recovery codes somewhere safe/);
  const recovery = await page.locator('#recovery-codes li').allTextContents();
  assert.equal(recovery.length, 10);
  assert.equal(new Set(recovery).size, 10);
  for (const code of recovery) assert.match(code, /^[a-z0-9]{5}-[a-z0-9]{5}$/);
  await shot(page, `${tag}-totp-recovery-codes`);
  await page.reload();  // shown once: the page no longer has them
  await expectText(page, '#totp-state', 'Two-factor authentication is on. Recovery codes left: 10.');
  assert.equal(await page.locator('#recovery-codes li').count(), 0);
  assert.equal(await page.isVisible('#totp-recovery'), false);

  // Sign in: the password answers the code step; a wrong code is the contract's error; a code of
  // the next step signs in.
  await signOut(page);
  await passwordStep(page, site, email, password, t.kind);
  const step = page.getByLabel('Enter the code from your authenticator app, or a recovery code');
  await step.waitFor();
  assert.equal(await page.isVisible('#login-form'), false);
  if (name !== 'storefront') {
    await step.fill(wrongCode(secret));
    await submit(page, 'second-factor-form');
    await expectText(page, '#second-factor-form .alert', 'Invalid code');
  }
  await shot(page, `${tag}-totp-sign-in`);
  await step.fill(totpCode(secret, Math.max(Date.now() / 1000, confirmedAt) + 30));
  await submit(page, 'second-factor-form');
  await expectPath(page, '/');
  await assertSignedIn(page, email, 'Two-factor authentication is on. Recovery codes left: 10.', session);

  // A recovery code instead, once.
  await signOut(page);
  await passwordStep(page, site, email, password, t.kind);
  await step.fill(recovery[0]);
  await submit(page, 'second-factor-form');
  await expectPath(page, '/');
  await assertSignedIn(page, email, 'Two-factor authentication is on. Recovery codes left: 9.', session);

  // New recovery codes, with the password: ten others, shown once.
  await page.locator('#totp-codes-form').getByLabel('Password').fill(password);
  await security.getByRole('button', { name: 'New recovery codes' }).click();
  await expectText(page, '#totp-state', 'Two-factor authentication is on. Recovery codes left: 10.');
  const renewed = await page.locator('#recovery-codes li').allTextContents();
  assert.equal(renewed.length, 10);
  assert.ok(renewed.every((code) => !recovery.includes(code)), 'new codes replace the old');

  // Disable with the password; then the password alone signs in.
  await security.getByLabel('Or your password').fill(password);
  await security.getByRole('button', { name: 'Disable' }).click();
  await expectText(page, '#totp-message', 'Two-factor authentication disabled.');
  await expectText(page, '#totp-state', 'Two-factor authentication is off.');
  assert.equal(await page.isVisible('#recovery-codes'), false);
  await shot(page, `${tag}-totp-disabled`);
  await signOut(page);
  await passwordStep(page, site, email, password, t.kind);
  await expectPath(page, '/');
  await assertSignedIn(page, email, 'Two-factor authentication is off.');
  assert.equal(await page.isVisible('#second-factor-form'), false);
  checkConsole(page);
}

test('gateway: TOTP authenticator app: enrol, sign in with a code, then a recovery code, disable', () => totpFlow('gateway', {
  session: 'bearer token from localStorage',
}));
test('fastapi: TOTP authenticator app: enrol, sign in with a code, then a recovery code, disable', () => totpFlow('fastapi'));
test('verified: TOTP authenticator app: enrol, sign in with a code, then a recovery code, disable', () => totpFlow('verified'));
test('storefront: TOTP authenticator app: enrol, sign in with a code, then a recovery code, disable', () => totpFlow('storefront'));
test('gateway, HttpOnly cookie: TOTP authenticator app: the second step sets the cookie', () => totpFlow('gateway', {
  site: sites['gateway-cookie'], tag: 'gateway-cookie', session: 'HttpOnly cookie (invisible to this page)',
}));

// --- passkeys --------------------------------------------------------------------------------
// One flow per password site (and the gateway's cookie site): signed in with the password, add a
// passkey on the account page (a wrong password first), sign out, sign in with the passkey,
// remove it, and see signing in with it refused. The authenticator is Chromium's virtual one
// (DevTools' WebAuthn domain), and every ceremony the page runs is checked again by
// @simplewebauthn/server, independent of the service's own verifier: the options and the
// credential are read off the page's calls. Browsers refuse an IP address as an RP ID, and the
// service's RP ID is localhost: these pages are opened at http://localhost:PORT (the accounts are
// the same; the API calls from Node stay on 127.0.0.1). The verifier is imported where it is used,
// not at the top level: node:test registers no test declared after a top-level await.
const simpleWebAuthn = () => import('@simplewebauthn/server');

const atLocalhost = (site) => site.replace('//127.0.0.1:', '//localhost:');

// A platform authenticator holding discoverable credentials, which answers without a person.
const AUTHENTICATOR = {
  protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
  automaticPresenceSimulation: true,
};
async function virtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR });
  return { cdp, authenticatorId };
}

// What each contract's passkey login answers: its password login's own answer.
const PASSKEY_ANSWERS = {
  gateway: (body) => assert.match(body.token, /^ey/),
  'gateway-cookie': (body) => assert.deepEqual(body, { message: 'Logged in' }),
  fastapi: (body) => assert.equal(body.token_type.toLowerCase(), 'bearer'),
  verified: (body) => assert.match(body.token, /^ey/),
  storefront: (body) => {
    assert.match(body.accessToken, /^ey/);
    assert.ok(body.customer && !body.merchant, 'the account\'s kind names its key');
  },
};

// Signed up (through the API on 127.0.0.1, or on the page) and signed in on the page at `site`.
async function signUpAt(t, page, site, email, password) {
  if (t.signUpHere) return t.signUpHere(page, site, email, password);
  await t.signUp(t.site(), email, password);
  await logInOnPage(page, site, email, password, t.kind);
}

// Adds a passkey on the account page (already open) and checks the registration independently.
// Answers the credential as @simplewebauthn/server reads it ({id, publicKey, counter}).
async function addPasskey(page, origin, password, name) {
  const security = region(page, 'Security');
  await security.getByRole('button', { name: 'Add a passkey' }).click();
  const form = page.locator('#passkey-add-form');
  await form.getByLabel('Password').fill(password);
  if (name) await form.getByLabel('Name (optional)').fill(name);
  const options = nextResponse(page, '/api/auth/passkeys/register/options', 'POST');
  const registered = nextResponse(page, '/api/auth/passkeys/register', 'POST');
  await security.getByRole('button', { name: 'Create the passkey' }).click();
  const creation = await (await options).json();
  const answer = await registered;
  assert.equal(answer.status(), 201);
  const added = await answer.json();
  const { credential } = answer.request().postDataJSON();
  const { verifyRegistrationResponse } = await simpleWebAuthn();
  const check = await verifyRegistrationResponse({
    response: credential, expectedChallenge: creation.challenge, expectedOrigin: origin, expectedRPID: 'localhost',
    requireUserVerification: false,
  });
  assert.ok(check.verified, 'the registration verifies independently');
  assert.equal(creation.rp.id, 'localhost');
  assert.equal(creation.authenticatorSelection.residentKey, 'required');
  assert.equal(check.registrationInfo.credential.id, credential.id);
  await expectText(page, '#passkeys-message', `Passkey “${added.name}” added. You can sign in with it now.`);
  return { added, key: check.registrationInfo.credential };
}

// "Sign in with a passkey" on the login page; answers the login's response and the assertion as
// @simplewebauthn/server verified it (requireUserVerification as given).
async function passkeyButton(page, origin, key, { requireUserVerification = true } = {}) {
  const options = nextResponse(page, '/api/auth/passkeys/login/options', 'POST');
  const login = nextResponse(page, '/api/auth/passkeys/login', 'POST');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  const request = await (await options).json();
  assert.deepEqual(request.allowCredentials, [], 'a discoverable ceremony names no credential');
  const answer = await login;
  const { credential } = answer.request().postDataJSON();
  let check = null;
  if (key) {
    const { verifyAuthenticationResponse } = await simpleWebAuthn();
    check = await verifyAuthenticationResponse({
      response: credential, expectedChallenge: request.challenge, expectedOrigin: origin, expectedRPID: 'localhost',
      credential: key, requireUserVerification,
    });
    assert.ok(check.verified, 'the assertion verifies independently');
    key.counter = check.authenticationInfo.newCounter;
  }
  return { answer, check };
}

async function passkeyFlow(name, { ip = ACCOUNT_SITES[name].site(), tag = name, session } = {}) {
  const t = ACCOUNT_SITES[name];
  const site = atLocalhost(ip);
  const { page } = await openPage();
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  const email = unique(`${tag}-passkey`);
  const password = 'first-password-1';
  await signUpAt(t, page, site, email, password);

  // Nothing on the authenticator for this site yet: the ceremony ends without a credential.
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expectText(page, '#login-form .alert', 'The passkey request was cancelled or timed out. Nothing was changed.');
  await logInOnPage(page, site, email, password, t.kind);

  // The account page: no passkeys; "Add a passkey" asks the password (a wrong one is refused).
  await assertSignedIn(page, email, 'Two-factor authentication is off.', session);
  await expectText(page, '#passkeys-none', 'You have no passkeys yet.');
  const security = region(page, 'Security');
  await security.getByRole('button', { name: 'Add a passkey' }).click();
  await page.locator('#passkey-add-form').getByLabel('Password').fill('not-the-password');
  await security.getByRole('button', { name: 'Create the passkey' }).click();
  await expectText(page, '#passkey-add-form .alert', t.wrongPassword);
  await security.getByRole('button', { name: 'Cancel' }).click();
  const { added, key } = await addPasskey(page, site, password, 'Test laptop');
  assert.equal(added.name, 'Test laptop');
  const item = region(page, 'Security').getByRole('listitem').filter({ hasText: 'Test laptop' });
  await expectText(page, '#passkeys li dd >> nth=1', 'never');
  assert.equal(await page.isVisible('#passkeys-none'), false);
  await shot(page, `${tag}-passkey-added`);

  // The same authenticator again: it already holds one for this account (the service excludes it).
  await security.getByRole('button', { name: 'Add a passkey' }).click();
  await page.locator('#passkey-add-form').getByLabel('Password').fill(password);
  await security.getByRole('button', { name: 'Create the passkey' }).click();
  await expectText(page, '#passkey-add-form .alert', 'This device already holds a passkey for this account.');
  await security.getByRole('button', { name: 'Cancel' }).click();

  // Signed out, the passkey signs in: the contract's own login answer, then the account.
  await signOut(page);
  const { answer } = await passkeyButton(page, site, key);
  assert.equal(answer.status(), 200);
  PASSKEY_ANSWERS[tag](await answer.json());
  await expectPath(page, '/');
  await assertSignedIn(page, email, 'Two-factor authentication is off.', session);
  await expectText(page, '#passkeys li .passkey-title', 'Test laptop');
  await expectText(page, '#passkeys li dd >> nth=1', /^(?!never$)\d/);  // its last use is listed
  assert.match(await page.textContent('#passkeys li dd >> nth=0'), new RegExp(String(new Date().getFullYear())), 'created this year');

  // Removed, it no longer signs in: the page shows the contract's refusal.
  await item.getByRole('button', { name: 'Remove Test laptop' }).click();
  await expectText(page, '#passkeys-message', 'Passkey removed. “Test laptop” no longer signs you in.');
  await expectText(page, '#passkeys-none', 'You have no passkeys yet.');
  assert.equal(await page.locator('#passkeys li').count(), 0);
  await signOut(page);
  const refused = await passkeyButton(page, site, null);
  assert.equal(refused.answer.status(), 401);
  await expectText(page, '#login-form .alert', 'Passkey sign-in failed');
  await expectPath(page, '/login');
  await shot(page, `${tag}-passkey-refused`);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1, 'the authenticator still holds the removed passkey');
  checkConsole(page);
}

test('gateway: passkey: add on the account page, sign in with it, remove it, refused after', () => passkeyFlow('gateway', {
  session: 'bearer token from localStorage',
}));
test('fastapi: passkey: add on the account page, sign in with it, remove it, refused after', () => passkeyFlow('fastapi'));
test('verified: passkey: add on the account page, sign in with it, remove it, refused after', () => passkeyFlow('verified'));
test('storefront: passkey: add on the account page, sign in with it, remove it, refused after', () => passkeyFlow('storefront'));
test('gateway, HttpOnly cookie: passkey: the passkey sign-in sets the cookie', () => passkeyFlow('gateway', {
  ip: sites['gateway-cookie'], tag: 'gateway-cookie', session: 'HttpOnly cookie (invisible to this page)',
}));

// A passkey sign-in without user verification is one factor: for an account with an authenticator
// app it answers the second-factor challenge, completed on the login page as the password's is.
// With user verification (the device's own lock) it signs in at once. The virtual authenticator
// stops verifying its user (WebAuthn.setUserVerified); Chromium then fails a ceremony whose options
// prefer verification, as the service's do, rather than answer without it, so for that sign-in
// the options the page receives ask it discouraged (the challenge is the service's): the
// assertion then lacks the UV flag, as a security key without a PIN answers.
async function passkeyTotpFlow(name) {
  const t = ACCOUNT_SITES[name];
  const site = atLocalhost(t.site());
  const { page } = await openPage();
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  const email = unique(`${name}-passkey-totp`);
  const password = 'first-password-1';
  await signUpAt(t, page, site, email, password);
  await assertSignedIn(page, email, 'Two-factor authentication is off.');

  const security = region(page, 'Security');
  await security.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await page.locator('#totp-enroll-form').getByLabel('Password').fill(password);
  await security.getByRole('button', { name: 'Continue' }).click();
  const secret = await expectText(page, '#totp-secret', /^[A-Z2-7]{16,}$/);
  const confirmedAt = Date.now() / 1000;
  await security.getByLabel('Code from the app', { exact: true }).fill(totpCode(secret, confirmedAt));
  await security.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expectText(page, '#totp-state', 'Two-factor authentication is on. Recovery codes left: 10.');
  const { key } = await addPasskey(page, site, password);

  // A device that does not verify its user: the passkey answers the code step.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  const optionsPath = `${site}/api/auth/passkeys/login/options`;
  await page.route(optionsPath, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), userVerification: 'discouraged' } });
  });
  await signOut(page);
  const { answer, check } = await passkeyButton(page, site, key, { requireUserVerification: false });
  assert.equal(check.authenticationInfo.userVerified, false);
  const challenge = await answer.json();
  assert.equal(answer.status(), 200);
  assert.equal(challenge.mfaRequired ?? challenge.mfa_required, true);
  const step = page.getByLabel('Enter the code from your authenticator app, or a recovery code');
  await step.waitFor();
  assert.equal(await page.isVisible('#login-form'), false);
  await step.fill(wrongCode(secret));
  await submit(page, 'second-factor-form');
  await expectText(page, '#second-factor-form .alert', 'Invalid code');
  await shot(page, `${name}-passkey-second-factor`);
  await step.fill(totpCode(secret, Math.max(Date.now() / 1000, confirmedAt) + 30));
  await submit(page, 'second-factor-form');
  await expectPath(page, '/');
  await assertSignedIn(page, email, 'Two-factor authentication is on. Recovery codes left: 10.');

  // Verified by the device again, with the service's own options: two factors in one, no code.
  await page.unroute(optionsPath);
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  await signOut(page);
  const again = await passkeyButton(page, site, key);
  assert.equal(again.check.authenticationInfo.userVerified, true);
  assert.equal(again.answer.status(), 200);
  const body = await again.answer.json();
  assert.equal(body.mfaRequired ?? body.mfa_required, undefined);
  PASSKEY_ANSWERS[name](body);
  await expectPath(page, '/');
  await assertSignedIn(page, email, 'Two-factor authentication is on. Recovery codes left: 10.');
  checkConsole(page);
}

test('fastapi: passkey without user verification meets the code step of the authenticator app', () => passkeyTotpFlow('fastapi'));
test('storefront: passkey without user verification meets the code step of the authenticator app', () => passkeyTotpFlow('storefront'));

// --- booking: passkeys through unchanged Amplify v6 -------------------------------------------
// The booking demo's passkeys part (associateWebAuthnCredential, listWebAuthnCredentials,
// deleteWebAuthnCredential, signIn's WEB_AUTHN challenge) in Chromium with a CDP virtual
// authenticator. The page runs at http://localhost:PORT: browsers refuse an IP address as an RP
// ID, and nginx names both localhost and 127.0.0.1 as the site's passkey origins. Every ceremony
// the browser ran is verified again, independently, with @simplewebauthn/server.
// The /cognito calls of the page: [{target, request, response}], the bodies parsed.
function cognitoCalls(page) {
  const calls = [];
  page.on('response', async (response) => {
    const request = response.request();
    if (new URL(response.url()).pathname !== '/cognito' || request.method() !== 'POST') return;
    const target = (await request.allHeaders())['x-amz-target']?.split('.').pop();
    calls.push({ target, request: JSON.parse(request.postData() ?? '{}'), response: await response.json().catch(() => null) });
  });
  return (target) => calls.filter((c) => c.target === target);
}

test('booking: passkeys with Amplify: add, list, sign in with one, delete, each ceremony verified independently', async () => {
  const { verifyAuthenticationResponse, verifyRegistrationResponse } = await import('@simplewebauthn/server');
  const { page } = await openPage();
  const site = sites.booking.replace('127.0.0.1', 'localhost');
  const email = unique('booking-passkey');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  const calls = cognitoCalls(page);

  // A new user by emailed code, with a profile (the passkeys part is on the profile page).
  await page.goto(`${site}/`);
  await expectText(page, 'section[data-step="email"] h2', 'Sign in or sign up');
  const code = nextCode(mailDir, email);
  await page.fill('#email', email);
  await submit(page, 'email-form');
  await expectText(page, '#code-email', email);
  await page.fill('#code', await code());
  await submit(page, 'code-form');
  await expectText(page, 'section[data-step="profile-form"] [data-field="email"]', email);
  await page.fill('#profile-name', 'Ana Passkey');
  await submit(page, 'profile-form');
  await expectText(page, 'section[data-step="profile"] [data-field="name"]', 'Ana Passkey');
  await expectText(page, '#no-passkeys', 'No passkeys yet.');

  // Add a passkey: StartWebAuthnRegistration, the virtual authenticator, CompleteWebAuthnRegistration.
  await page.click('#add-passkey');
  await expectText(page, '#passkeys .alert', 'Passkey added. You can sign in with it next time.');
  await expectText(page, '#passkey-list li', /^Passkey.* · added /);
  assert.equal(await page.locator('#passkey-list li').count(), 1);
  await shot(page, 'booking-passkeys');
  const [started] = calls('StartWebAuthnRegistration');
  const [completed] = calls('CompleteWebAuthnRegistration');
  assert.deepEqual(completed.response, {});
  const creation = started.response.CredentialCreationOptions;
  assert.equal(creation.rp.id, 'localhost');
  const registration = await verifyRegistrationResponse({
    response: completed.request.Credential,
    expectedChallenge: creation.challenge,
    expectedOrigin: site,
    expectedRPID: 'localhost',
    requireUserVerification: true,
  });
  assert.ok(registration.verified, 'the registration verifies independently');
  const { credential } = registration.registrationInfo;
  const [listed] = calls('ListWebAuthnCredentials').slice(-1);
  assert.equal(listed.response.Credentials.length, 1);
  assert.equal(listed.response.Credentials[0].CredentialId, credential.id);
  assert.equal(listed.response.Credentials[0].RelyingPartyId, 'localhost');

  // Sign out, then sign in with the passkey: InitiateAuth WEB_AUTHN, then RespondToAuthChallenge.
  await page.click('#sign-out');
  await expectText(page, 'section[data-step="email"] h2', 'Sign in or sign up');
  await page.fill('#email', email);
  await page.click('#passkey-sign-in');
  await page.waitForSelector('section[data-step="profile"]:not([hidden])', { timeout: 15_000 });
  await expectText(page, 'section[data-step="profile"] [data-field="name"]', 'Ana Passkey');
  const [initiated] = calls('InitiateAuth').filter((c) => c.response?.ChallengeName === 'WEB_AUTHN');
  const [answered] = calls('RespondToAuthChallenge').filter((c) => c.request.ChallengeName === 'WEB_AUTHN');
  assert.ok(answered.response.AuthenticationResult.AccessToken);
  const requestOptions = JSON.parse(initiated.response.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS);
  assert.deepEqual(requestOptions.allowCredentials.map((c) => c.id), [credential.id]);
  const authentication = await verifyAuthenticationResponse({
    response: JSON.parse(answered.request.ChallengeResponses.CREDENTIAL),
    expectedChallenge: requestOptions.challenge,
    expectedOrigin: site,
    expectedRPID: 'localhost',
    credential,
    requireUserVerification: true,
  });
  assert.ok(authentication.verified, 'the assertion verifies independently');

  // Delete it: the list empties, and the passkey no longer signs in.
  await page.click('#passkey-list li button');
  await expectText(page, '#passkeys .alert', 'Passkey deleted.');
  await expectText(page, '#no-passkeys', 'No passkeys yet.');
  await page.click('#sign-out');
  await expectText(page, 'section[data-step="email"] h2', 'Sign in or sign up');
  await page.fill('#email', email);
  await page.click('#passkey-sign-in');
  await expectText(page, '#email-form .alert', 'There is no passkey for this account yet. Use an emailed code.');
  await shot(page, 'booking-passkey-none');
  checkConsole(page);
});
