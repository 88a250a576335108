// The verified contract's frontend (seed 003): register sends a verification email whose link
// lands on /verify-email; login keeps the token in localStorage; forgot and reset complete the
// password flow from the emailed /reset-password link. Validation errors come as a field map
// (`details` and `errors`, the same map) shown under the inputs; `message` is the general alert.
import {
  api, navigate, networkError, onSubmit, passkeySignIn, secondFactor, showAccount, showAlert, showFieldErrors,
  startRouter,
} from '/demo/common/demo.js';
import { accountPage } from '/demo/common/account.js';
import { accountApi } from '/demo/verified/dist/account-api.js';

const TOKEN_KEY = 'token';
let resetToken = null;  // read from the reset link, then taken out of the address bar
let unverifiedEmail = null;

function report(form, reply) {
  if (reply.status === 0) return showAlert(form, networkError);
  const unplaced = showFieldErrors(form, reply.body.errors ?? reply.body.details);
  if (reply.body.errors && !unplaced.length) return;
  showAlert(form, reply.body.message ?? 'Something went wrong.');
}

function account() {
  return showAccount(async () => {
    const token = localStorage.getItem(TOKEN_KEY);
    const reply = token ? await api('/api/auth/me', { token }) : { status: 401 };
    if (reply.status === 401) localStorage.removeItem(TOKEN_KEY);
    return reply.status === 200 ? reply.body.user : null;
  }, () => navigate('/login', { replace: true }));
}

function signedIn(reply) {
  localStorage.setItem(TOKEN_KEY, reply.body.token);
  navigate('/');
}

// An account with an authenticator app: the password answers a challenge, a code completes it.
const twoStep = secondFactor({ path: '/api/auth/login/second-factor', tokenField: 'mfaToken', report, signedIn });

// A passkey instead of the password: its answer is the login's own, the challenge included.
passkeySignIn({ report, signedIn, twoStep });

function login() {
  document.getElementById('resend-form').hidden = true;
  twoStep.reset();
}

// The link from the verification email: the token goes to the API once, then leaves the URL.
async function verifyEmail(params) {
  const token = params.get('token');
  history.replaceState(null, '', '/verify-email');
  const status = document.getElementById('verify-status');
  const next = document.getElementById('verify-continue');
  next.hidden = true;
  if (!token) {
    status.className = 'alert error';
    status.textContent = 'This link is incomplete. Open the link from the email again.';
    return;
  }
  status.className = 'alert info';
  status.textContent = 'Verifying…';
  const reply = await api(`/api/auth/verify?token=${encodeURIComponent(token)}`);
  status.className = reply.status === 200 ? 'alert success' : 'alert error';
  status.textContent = reply.status === 0 ? networkError : reply.body.message;
  if (reply.status !== 200) return;
  // Follow the redirect the API gives only within this site: never an open redirect.
  const target = new URL(reply.body.redirect ?? '/login', location.origin);
  next.setAttribute('href', target.origin === location.origin ? target.pathname : '/login');
  next.hidden = false;
}

function resetPassword(params) {
  const token = params.get('token');
  if (token) {
    resetToken = token;
    history.replaceState(null, '', '/reset-password');
  }
  const form = document.getElementById('reset-form');
  if (!resetToken) showAlert(form, 'This link is incomplete. Ask for a new one.');
}

onSubmit(document.getElementById('login-form'), async (values) => {
  const form = document.getElementById('login-form');
  const reply = await api('/api/auth/login', { method: 'POST', body: values });
  if (reply.status === 403) {  // right password, email not verified yet
    unverifiedEmail = values.email;
    document.getElementById('resend-form').hidden = false;
  }
  if (reply.status !== 200) return report(form, reply);
  if (!twoStep.challenged(reply)) signedIn(reply);
});

onSubmit(document.getElementById('resend-form'), async () => {
  const form = document.getElementById('resend-form');
  const reply = await api('/api/auth/verify/resend', { method: 'POST', body: { email: unverifiedEmail } });
  showAlert(form, reply.status === 200 ? reply.body.message : networkError,
            reply.status === 200 ? 'success' : 'error');
});

onSubmit(document.getElementById('register-form'), async (values) => {
  const form = document.getElementById('register-form');
  const reply = await api('/api/auth/register', { method: 'POST', body: values });
  if (reply.status !== 201) return report(form, reply);
  await navigate('/login');
  const next = document.getElementById('login-form');
  next.elements.email.value = values.email;
  showAlert(next, `${reply.body.message} Open the link in it, then log in.`, 'success');
});

onSubmit(document.getElementById('forgot-form'), async (values) => {
  const form = document.getElementById('forgot-form');
  const reply = await api('/api/auth/forgot', { method: 'POST', body: values });
  if (reply.status !== 200) return report(form, reply);
  showAlert(form, reply.body.message, 'success');
});

onSubmit(document.getElementById('reset-form'), async (values) => {
  const form = document.getElementById('reset-form');
  const reply = await api('/api/auth/reset', { method: 'POST', body: { token: resetToken ?? '', ...values } });
  if (reply.status !== 200) return report(form, reply);
  resetToken = null;
  localStorage.removeItem(TOKEN_KEY);  // tokens issued before the reset no longer work
  await navigate('/login');
  showAlert(document.getElementById('login-form'), `${reply.body.message}. Log in with the new password.`, 'success');
});

document.getElementById('logout').addEventListener('click', () => {
  localStorage.removeItem(TOKEN_KEY);  // the contract has no logout endpoint: the token is dropped
  navigate('/login');
});

// The account settings, through the generated client with the same bearer token; a password change
// answers with the new one.
const settings = accountPage({
  api: accountApi({ token: () => localStorage.getItem(TOKEN_KEY) }),
  report,
  message: (reply) => reply.body.message ?? 'Something went wrong.',
  loadUser: async () => {
    const token = localStorage.getItem(TOKEN_KEY);
    const reply = token ? await api('/api/auth/me', { token }) : { status: 401 };
    if (reply.status === 401) localStorage.removeItem(TOKEN_KEY);
    return reply.status === 200 ? reply.body.user : null;
  },
  sessionIdField: 'sessionId',
  passwordChanged: (reply) => localStorage.setItem(TOKEN_KEY, reply.body.token),
  forget: () => localStorage.removeItem(TOKEN_KEY),
});

startRouter({
  '/account': settings.view, '/confirm-email': settings.confirmEmail,
  '/': account, '/login': login, '/register': null, '/verify-email': verifyEmail,
  '/forgot-password': null, '/reset-password': resetPassword,
});
