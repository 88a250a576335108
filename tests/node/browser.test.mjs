// The demo frontends (web/) in a real browser, end to end through nginx and the service: what a
// person sees (inline field errors from the contracts' error maps, alerts, pages) and what the
// browser holds (storage, cookies, what other origins can do with them). One test per flow; the
// harness (tests/integration/test_browser.py) runs each in its own process. See browser.mjs.
import assert from 'node:assert/strict';
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
