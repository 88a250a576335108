// The storefront contract's frontend (seed 004, "Authentication Flow" steps 1-7): the access
// token lives only in this module's memory, never in storage; the refresh token is an HttpOnly
// cookie the page cannot read, scoped to /api/auth. On load, and a minute before the access token
// expires, the page calls /api/auth/refresh; a 401 from the API is answered with one refresh and
// one retry. Logout revokes the refresh family server-side.
import {
  api, claims, navigate, networkError, onSubmit, passkeySignIn, secondFactor, showAccount, showAlert, showFieldErrors,
  startRouter,
} from '/demo/common/demo.js';
import { accountPage } from '/demo/common/account.js';
import { accountApi } from '/demo/storefront/dist/account-api.js';

let accessToken = null;
let renewTimer = null;
let refreshing = null;  // one refresh at a time, however many callers need it
let renewals = 0;

function remember(token) {
  accessToken = token;
  clearTimeout(renewTimer);
  renewTimer = null;
  if (!token) return;
  // Renew a minute before expiry, timed by the token's own lifetime: the browser's clock may
  // differ from the server's.
  const { iat = 0, exp = 0 } = claims(token);
  renewTimer = setTimeout(() => refresh().then(showTokenState), Math.max((exp - iat) * 1000 - 60_000, 5_000));
  showTokenState();
}

// Step 6: a new access token from the refresh cookie (the cookie is rotated too).
function refresh() {
  refreshing ??= api('/api/auth/refresh', { method: 'POST' }).then((reply) => {
    refreshing = null;
    if (reply.status !== 200) {
      remember(null);
      return false;
    }
    renewals += 1;
    remember(reply.body.accessToken);
    return true;
  });
  return refreshing;
}

// Step 5: the bearer header on protected calls; on 401, one refresh and one retry. `send()` makes
// the call with the access token held then, answering {status, body}.
async function withRefresh(send) {
  if (!accessToken && !(await refresh())) return { status: 401, body: {} };
  const reply = await send();
  if (reply.status === 401 && (await refresh())) return send();
  return reply;
}

const authorized = (path, options = {}) => withRefresh(() => api(path, { ...options, token: accessToken }));

function showTokenState() {
  const slot = document.getElementById('token-state');
  if (!accessToken) {
    slot.textContent = 'none';
    return;
  }
  const expires = new Date((claims(accessToken).exp ?? 0) * 1000).toLocaleTimeString();
  slot.textContent = `in memory, expires ${expires}` + (renewals ? `, renewed ${renewals}×` : '');
}

function report(form, reply) {
  if (reply.status === 0) return showAlert(form, networkError);
  const unplaced = showFieldErrors(form, reply.body.errors);
  if (reply.body.errors && !unplaced.length) return;
  showAlert(form, reply.body.message ?? 'Something went wrong.');
}

async function account() {
  let type = null;
  const section = await showAccount(async () => {
    const reply = await authorized('/api/auth/me');
    if (reply.status !== 200) return null;
    type = reply.body.type;
    return { ...reply.body.user, type };
  }, () => navigate('/login', { replace: true }));
  if (!section) return;
  for (const el of section.querySelectorAll('[data-for]')) el.hidden = el.dataset.for !== type;
  showTokenState();
}

// The register form shows the fields of the chosen account type and sends only those.
const registerForm = document.getElementById('register-form');
function showKindFields() {
  const kind = registerForm.elements.kind.value;
  for (const el of registerForm.querySelectorAll('[data-for]')) el.hidden = el.dataset.for !== kind;
}
registerForm.addEventListener('change', showKindFields);
showKindFields();

onSubmit(registerForm, async ({ kind, email, password, storeName, firstName, lastName }) => {
  const body = kind === 'merchant' ? { email, password, storeName } : { email, password, firstName, lastName };
  const reply = await api(`/api/auth/${kind}/register`, { method: 'POST', body });
  if (reply.status !== 201) return report(registerForm, reply);
  remember(reply.body.accessToken);
  navigate('/');
});

function signedIn(reply) {
  remember(reply.body.accessToken);  // step 4: memory only
  navigate('/');
}

// An account with an authenticator app: the password answers a challenge, a code completes it
// (one second step for both logins: the challenge knows its account).
const twoStep = secondFactor({ path: '/api/auth/login/second-factor', tokenField: 'mfaToken', report, signedIn });

// A passkey instead of the password: its answer is the login's own, the challenge included.
passkeySignIn({ report, signedIn, twoStep });

onSubmit(document.getElementById('login-form'), async ({ kind, email, password }) => {
  const form = document.getElementById('login-form');
  const reply = await api(`/api/auth/${kind}/login`, { method: 'POST', body: { email, password } });
  if (reply.status !== 200) return report(form, reply);
  if (!twoStep.challenged(reply)) signedIn(reply);
});

document.getElementById('logout').addEventListener('click', async () => {
  await api('/api/auth/logout', { method: 'POST' });  // step 7: the family is revoked
  remember(null);
  renewals = 0;
  navigate('/login');
});

// The account settings, through the generated client with the same refresh-and-retry: its bearer
// token is read from memory at each call, so the retry sends the renewed one. A password change
// starts a new refresh family: its access token comes in the body (kept in memory), its refresh
// token in the cookie. Ending this device's session, or all of them, clears the cookie server-side.
const settings = accountPage({
  api: accountApi({ token: () => accessToken, authorize: withRefresh }),
  report,
  message: (reply) => reply.body.message ?? 'Something went wrong.',
  loadUser: async () => {
    const reply = await authorized('/api/auth/me');
    return reply.status === 200 ? reply.body.user : null;
  },
  sessionIdField: 'sessionId',
  passwordChanged: (reply) => remember(reply.body.accessToken),
  forget: () => {
    remember(null);
    renewals = 0;
  },
});

startRouter({
  '/': account, '/login': twoStep.reset, '/register': null, '/account': settings.view, '/confirm-email': settings.confirmEmail,
});
