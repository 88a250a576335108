// The fastapi contract's frontend (seed 002): the access token lives in localStorage as
// 'auth_token', goes out as a bearer header, and is dropped on logout or on a 401 (which sends
// the user to the login page). Errors are FastAPI's: `detail` is a message, or for 422 a list
// whose `loc` names the field.
import {
  api, navigate, networkError, onSubmit, passkeySignIn, secondFactor, showAccount, showAlert, showFieldErrors,
  startRouter,
} from '/demo/common/demo.js';
import { accountPage } from '/demo/common/account.js';
import { accountApi } from '/demo/fastapi/dist/account-api.js';

const TOKEN_KEY = 'auth_token';

// A 422's list as field -> message; a plain `detail` naming a taken field goes under that field.
function fieldErrors(detail) {
  if (Array.isArray(detail)) {
    const errors = {};
    for (const item of detail) {
      const field = item?.loc?.[1];
      const key = typeof field === 'string' ? field : 'body';
      errors[key] ??= item.msg;
    }
    return errors;
  }
  if (detail === 'Email already registered') return { email: detail };
  if (detail === 'Username already registered') return { username: detail };
  return { '': detail ?? networkError };
}

function report(form, reply) {
  const unplaced = showFieldErrors(form, fieldErrors(reply.body.detail));
  if (unplaced.length) showAlert(form, reply.status === 0 ? networkError : unplaced.join(' '));
}

// No token, or a 401: the token is dropped and the user sent to log in, as the seed says.
function account() {
  return showAccount(async () => {
    const token = localStorage.getItem(TOKEN_KEY);
    const reply = token ? await api('/api/auth/me', { token }) : { status: 401 };
    if (reply.status === 401) localStorage.removeItem(TOKEN_KEY);
    return reply.status === 200 ? reply.body : null;
  }, () => navigate('/login', { replace: true }));
}

function signedIn(reply) {
  localStorage.setItem(TOKEN_KEY, reply.body.access_token);
  navigate('/');
}

// An account with an authenticator app: the password answers a challenge, a code completes it.
const twoStep = secondFactor({ path: '/api/auth/token/second-factor', tokenField: 'mfa_token', report, signedIn });

// A passkey instead of the password: its answer is the login's own, the challenge included.
passkeySignIn({ report, signedIn, twoStep });

onSubmit(document.getElementById('login-form'), async (values) => {
  const form = document.getElementById('login-form');
  const reply = await api('/api/auth/token', { method: 'POST', body: values });
  if (reply.status !== 200) return report(form, reply);
  if (!twoStep.challenged(reply)) signedIn(reply);
});

onSubmit(document.getElementById('register-form'), async (values) => {
  const form = document.getElementById('register-form');
  const reply = await api('/api/auth/register', { method: 'POST', body: values });
  if (reply.status !== 201) return report(form, reply);
  await navigate('/login');
  const login = document.getElementById('login-form');
  login.elements.email.value = reply.body.email;
  showAlert(login, `Welcome, ${reply.body.username}. Log in with your new account.`, 'success');
});

document.getElementById('logout').addEventListener('click', async () => {
  const token = localStorage.getItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
  await api('/api/auth/logout', { method: 'POST', token });  // revokes the token server-side
  navigate('/login');
});

// The account settings, through the generated client with the same bearer token; a password change
// answers with the new one.
function detailText(reply) {
  const { message, detail } = reply.body;
  if (message) return message;
  if (Array.isArray(detail)) return detail.map((item) => item?.msg).join(' ');
  return detail ?? 'Something went wrong.';
}

const settings = accountPage({
  api: accountApi({ token: () => localStorage.getItem(TOKEN_KEY) }),
  report,
  message: detailText,
  loadUser: async () => {
    const token = localStorage.getItem(TOKEN_KEY);
    const reply = token ? await api('/api/auth/me', { token }) : { status: 401 };
    if (reply.status === 401) localStorage.removeItem(TOKEN_KEY);
    return reply.status === 200 ? reply.body : null;
  },
  sessionIdField: 'session_id',
  passwordChanged: (reply) => localStorage.setItem(TOKEN_KEY, reply.body.access_token),
  forget: () => localStorage.removeItem(TOKEN_KEY),
});

startRouter({
  '/': account, '/login': twoStep.reset, '/register': null, '/account': settings.view, '/confirm-email': settings.confirmEmail,
});
