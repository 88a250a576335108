// The account settings page (/account) and the email-change landing page (/confirm-email) of the
// four password demos: change the password, list the sessions (this device marked) and end one or
// all, change the email, delete the account after a confirmation step. What differs per contract
// (how a call is authorized, its field names, its error bodies, where a new token goes) comes in
// `site`; the markup is each demo's index.html, the form inputs named as the contract's fields.
// The calls go through the client @hey-api/openapi-ts generates from the contract's OpenAPI
// document (web/common/src/account-client.js, bundled per demo into /demo/CONTRACT/dist/).
import {
  fill, navigate, networkError, onSubmit, showAlert,
} from '/demo/common/demo.js';

// site:
//   api                         the demo's accountApi(...) from its dist/account-api.js: one
//                               function per endpoint, authorized as the demo's other protected
//                               calls are, each answering {status, body}
//   report(form, reply)         the contract's error body under the form's inputs, or as its alert
//   message(reply)              the human text of a success or error body
//   loadUser()                  the signed-in user ({email, ...}) or null
//   sessionIdField              the revoke body's field name (sessionId or session_id)
//   passwordChanged(reply)      keeps the fresh credential the change answers with
//   forget()                    drops the credential the page holds (signed out here)
export function accountPage(site) {
  const section = document.querySelector('section[data-path="/account"]');
  const passwordForm = document.getElementById('password-form');
  const emailForm = document.getElementById('email-form');
  const deleteForm = document.getElementById('delete-form');
  const sessionsStatus = document.getElementById('sessions-status');
  const sessionList = document.getElementById('sessions');

  // Any 401 means the session ended (elsewhere, or by this page): the user is sent to log in.
  async function signedOut(text, kind = 'info') {
    site.forget();
    await navigate('/login');
    if (text) showAlert(document.getElementById('login-form'), text, kind);
  }

  async function authorized(endpoint, body) {
    const reply = await site.api[endpoint](body);
    if (reply.status === 401) await signedOut('Your session has ended. Log in again.');
    return reply;
  }

  function status(text, kind) {
    sessionsStatus.textContent = text;
    sessionsStatus.className = `alert ${kind}`;
    sessionsStatus.hidden = !text;
  }

  async function loadSessions() {
    const reply = await authorized('listSessions');
    if (reply.status === 401) return;
    if (reply.status !== 200) return status(reply.status === 0 ? networkError : site.message(reply), 'error');
    // This device first, the others newest first as the API lists them.
    const sessions = [...(reply.body.sessions ?? [])].sort((x, y) => Number(y.current === true) - Number(x.current === true));
    sessionList.replaceChildren(...sessions.map(sessionItem));
  }

  async function revoke(session) {
    const reply = await authorized('revokeSession', { [site.sessionIdField]: session.id });
    if (reply.status === 401) return;
    if (reply.status !== 200) return status(reply.status === 0 ? networkError : site.message(reply), 'error');
    if (session.current) return signedOut(`${sentence(site.message(reply))} This device is signed out.`, 'success');
    await loadSessions();
    status(site.message(reply), 'success');
  }

  // One session as a list item: what it was signed in with, from where, when; its own button.
  function sessionItem(raw) {
    const session = {
      id: raw.id,
      current: raw.current === true,
      createdAt: raw.createdAt ?? raw.created_at,
      lastUsedAt: raw.lastUsedAt ?? raw.last_used_at,
      userAgent: raw.userAgent ?? raw.user_agent ?? '',
      ipAddress: raw.ipAddress ?? raw.ip_address ?? '',
    };
    const item = document.createElement('li');
    item.className = 'session';
    const title = document.createElement('p');
    title.className = 'session-title';
    const agent = document.createElement('strong');
    agent.textContent = describeAgent(session.userAgent);
    agent.title = session.userAgent;
    title.append(agent);
    if (session.current) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = 'This device';
      title.append(' ', badge);
    }
    const facts = document.createElement('dl');
    for (const [term, value] of [['Signed in', when(session.createdAt)], ['Last used', when(session.lastUsedAt)],
      ['Address', session.ipAddress || 'unknown'], ['Browser', session.userAgent || 'unknown']]) {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      facts.append(dt, dd);
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = session.current ? 'End this session (sign out here)' : 'End session';
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await revoke(session);
      } finally {
        button.disabled = false;
      }
    });
    item.append(title, facts, button);
    return item;
  }

  const revokeAll = document.getElementById('revoke-all');
  revokeAll.addEventListener('click', async () => {
    revokeAll.disabled = true;
    try {
      const reply = await authorized('revokeAllSessions');
      if (reply.status === 401) return;
      if (reply.status !== 200) return status(reply.status === 0 ? networkError : site.message(reply), 'error');
      await signedOut(`${sentence(site.message(reply))} Log in again to continue.`, 'success');
    } finally {
      revokeAll.disabled = false;
    }
  });

  onSubmit(passwordForm, async (values) => {
    const reply = await authorized('changePassword', values);
    if (reply.status === 401) return;
    if (reply.status !== 200) return site.report(passwordForm, reply);
    site.passwordChanged(reply);
    for (const input of passwordForm.querySelectorAll('input')) input.value = '';
    showAlert(passwordForm, `${sentence(site.message(reply))} Every other session has been signed out.`, 'success');
    await loadSessions();
  });

  onSubmit(emailForm, async (values) => {
    const reply = await authorized('changeEmail', values);
    if (reply.status === 401) return;
    if (reply.status !== 202 && reply.status !== 200) return site.report(emailForm, reply);
    const address = Object.entries(values).find(([name]) => name !== 'password')?.[1];
    for (const input of emailForm.querySelectorAll('input')) input.value = '';
    showAlert(emailForm, `${sentence(site.message(reply))} Open the link sent to ${address} to confirm it.`, 'success');
  });

  // Step one only opens the confirmation: the password and a second, explicit button.
  const confirmation = document.getElementById('delete-confirm');
  const start = document.getElementById('delete-start');
  start.addEventListener('click', () => {
    confirmation.hidden = false;
    start.hidden = true;
    deleteForm.querySelector('input[type=password]').focus();
  });
  document.getElementById('delete-cancel').addEventListener('click', () => {
    confirmation.hidden = true;
    start.hidden = false;
    deleteForm.querySelector('input[type=password]').value = '';
    showAlert(deleteForm, '');
  });
  onSubmit(deleteForm, async (values) => {
    const reply = await authorized('deleteAccount', values);
    if (reply.status === 401) return;
    if (reply.status !== 200) return site.report(deleteForm, reply);
    await signedOut(`${sentence(site.message(reply))} Everything it held is gone.`, 'success');
  });

  // The view: signed-out visitors go to log in; otherwise the user and their sessions.
  async function view() {
    section.querySelector('[data-when="signed-in"]').hidden = true;
    section.querySelector('[data-when="loading"]').hidden = false;
    confirmation.hidden = true;
    start.hidden = false;
    status('', 'info');
    sessionList.replaceChildren();
    const user = await site.loadUser();
    if (!user) return navigate('/login', { replace: true });
    fill(section.querySelector('[data-part="who"]'), user);
    section.querySelector('[data-when="loading"]').hidden = true;
    section.querySelector('[data-when="signed-in"]').hidden = false;
    await loadSessions();
  }

  // The link from the email-change mail: the token goes to the API once, then leaves the URL.
  async function confirmEmail(params) {
    const token = params.get('token');
    history.replaceState(null, '', '/confirm-email');
    const result = document.getElementById('confirm-status');
    if (!token) {
      result.className = 'alert error';
      result.textContent = 'This link is incomplete. Open the link from the email again.';
      return;
    }
    result.className = 'alert info';
    result.textContent = 'Confirming…';
    const reply = await site.api.confirmEmail({ token });
    result.className = reply.status === 200 ? 'alert success' : 'alert error';
    result.textContent = reply.status === 0 ? networkError : site.message(reply) || 'Something went wrong.';
  }

  return { view, confirmEmail };
}

// A message as a sentence, whether or not the contract ends it with a full stop.
function sentence(text) {
  const trimmed = String(text ?? '').trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function when(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toLocaleString() : 'unknown';
}

// "Chrome on Linux" from a User-Agent header, for people; the header itself is shown beside it.
export function describeAgent(ua) {
  if (!ua) return 'Unknown browser';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : null;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.split(/[\s/]/)[0];
}
