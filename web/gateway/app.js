// The gateway contract's frontend (seed 001), written once for both delivery modes, as the seed's
// notes describe: if login answers with a `token`, it is kept in localStorage and sent as a bearer
// header; if the server set an HttpOnly cookie instead ({"message": "Logged in"}), the page never
// sees a token and every call carries credentials: 'include'. Errors: `details` maps fields to
// messages (shown under the inputs); otherwise `error` is a general alert.
import {
  api, navigate, networkError, onSubmit, passkeySignIn, secondFactor, showAccount, showAlert, showFieldErrors,
  startRouter,
} from '/demo/common/demo.js';
import { accountPage } from '/demo/common/account.js';
import { accountApi } from '/demo/gateway/dist/account-api.js';

const TOKEN_KEY = 'token';

const call = (path, options = {}) =>
  api(path, { ...options, token: localStorage.getItem(TOKEN_KEY), credentials: 'include' });

// A 503 from the gateway has {"error": {"message"}}; the service's own errors a string.
function errorText(reply) {
  const error = reply.body.error;
  return typeof error === 'string' ? error : error?.message ?? 'Something went wrong.';
}

function report(form, reply) {
  if (reply.status === 0) return showAlert(form, networkError);
  const unplaced = showFieldErrors(form, reply.body.details);
  if (reply.body.details && !unplaced.length) return;
  showAlert(form, errorText(reply));
}

function showDelivery(mode) {
  document.getElementById('delivery').textContent =
    mode === 'cookie' ? 'token in an HttpOnly cookie' : 'token in the JSON body, kept in localStorage';
}

// With a cookie session there is nothing to look at: /me says whether there is one.
function account() {
  return showAccount(async () => {
    const reply = await call('/api/auth/me');
    if (reply.status !== 200) {
      localStorage.removeItem(TOKEN_KEY);
      return null;
    }
    const mode = localStorage.getItem(TOKEN_KEY) ? 'body' : 'cookie';
    showDelivery(mode);
    document.getElementById('session-kind').textContent =
      mode === 'cookie' ? 'HttpOnly cookie (invisible to this page)' : 'bearer token from localStorage';
    return reply.body.user;
  }, () => navigate('/login', { replace: true }));
}

// A login's answer, from the password or from its second step: a token, or a cookie set.
function signedIn(reply) {
  if (reply.body.token) localStorage.setItem(TOKEN_KEY, reply.body.token);
  else localStorage.removeItem(TOKEN_KEY);  // the server chose the cookie
  showDelivery(reply.body.token ? 'body' : 'cookie');
  navigate('/');
}

// An account with an authenticator app: the password answers a challenge, a code completes it.
const twoStep = secondFactor({ path: '/api/auth/login/second-factor', tokenField: 'mfaToken', send: call, report, signedIn });

// A passkey instead of the password: its answer is the login's own, the challenge included.
passkeySignIn({ send: call, report, signedIn, twoStep });

onSubmit(document.getElementById('login-form'), async (values) => {
  const form = document.getElementById('login-form');
  const reply = await call('/api/auth/login', { method: 'POST', body: values });
  if (reply.status !== 200) return report(form, reply);
  if (!twoStep.challenged(reply)) signedIn(reply);
});

onSubmit(document.getElementById('register-form'), async (values) => {
  const form = document.getElementById('register-form');
  const reply = await call('/api/auth/register', { method: 'POST', body: values });
  if (reply.status !== 201) return report(form, reply);
  await navigate('/login');
  const login = document.getElementById('login-form');
  login.elements.email.value = values.email;
  showAlert(login, `${reply.body.message}. You can log in now.`, 'success');
});

document.getElementById('logout').addEventListener('click', async () => {
  await call('/api/auth/logout', { method: 'POST' });  // revokes the token, clears the cookie
  localStorage.removeItem(TOKEN_KEY);
  navigate('/login');
});

// The account settings, through the generated client authorized as `call` is (the bearer token
// when there is one, and credentials: 'include' for the cookie): a password change answers with a
// new token as login does (in the body, or in a new cookie the page never sees); ending this
// device's session clears the cookie.
const settings = accountPage({
  api: accountApi({ token: () => localStorage.getItem(TOKEN_KEY), credentials: 'include' }),
  report,
  message: (reply) => reply.body.message ?? errorText(reply),
  loadUser: async () => {
    const reply = await call('/api/auth/me');
    return reply.status === 200 ? reply.body.user : null;
  },
  sessionIdField: 'sessionId',
  passwordChanged: (reply) => {
    if (reply.body.token) localStorage.setItem(TOKEN_KEY, reply.body.token);
  },
  forget: () => localStorage.removeItem(TOKEN_KEY),
});

startRouter({
  '/': account, '/login': twoStep.reset, '/register': null, '/account': settings.view, '/confirm-email': settings.confirmEmail,
});
