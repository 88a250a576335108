// The account settings page (/account) and the email-change landing page (/confirm-email) of the
// four password demos: change the password, list the sessions (this device marked) and end one or
// all, an authenticator app as a second factor and passkeys (Security), change the email, delete
// the account after a confirmation step. What differs per contract
// (how a call is authorized, its field names, its error bodies, where a new token goes) comes in
// `site`; the markup is each demo's index.html, the form inputs named as the contract's fields.
// The calls go through the client @hey-api/openapi-ts generates from the contract's OpenAPI
// document (web/common/src/account-client.js, bundled per demo into /demo/CONTRACT/dist/).
import {
  element, field, fill, navigate, networkError, onSubmit, passkeyCeremony, showAlert,
} from '/demo/common/demo.js';

// site:
//   api                         the demo's accountApi(...) from its dist/account-api.js: one
//                               function per endpoint (the passkeys' too), authorized as the
//                               demo's other protected calls are, each answering {status, body};
//                               and qrCode(text)
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

  const security = securityPart(site, authorized);
  document.getElementById('email-form').closest('.part').before(security.part);

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
    if (location.pathname === '/account') await security.load();  // unless a 401 sent them to log in
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

// Security: an authenticator app (TOTP) as a second factor. Off: "Set up" asks the password, then
// shows the key as a QR code and as text, and a code from the app turns it on. On: new recovery
// codes (the password), or disable (a code of the app, a recovery code, or the password). The ten
// recovery codes are shown once, when confirming or renewing hands them out. Answers name their
// fields in camelCase or, on fastapi, snake_case.
function securityPart(site, authorized) {
  const read = (body, camel, snake) => body[camel] ?? body[snake];
  const form = (id, ...children) => element('form', { id, novalidate: true, hidden: true },
    element('p', { class: 'alert', role: 'alert', hidden: true }), ...children);
  const password = (id, label = 'Password') =>
    field(label, { id, name: 'password', type: 'password', autocomplete: 'current-password' });
  const code = (id, label) => field(label, { id, name: 'code', autocomplete: 'one-time-code', spellcheck: 'false' });
  const submit = (text, kind = false) => element('button', { type: 'submit', class: kind, textContent: text });
  const text = (words) => element('p', { textContent: words });

  const state = element('p', { id: 'totp-state' });
  const message = element('p', { id: 'totp-message', class: 'alert', role: 'status', hidden: true });
  const start = element('button', { type: 'button', id: 'totp-start', hidden: true, textContent: 'Set up an authenticator app' });
  const enrollForm = form('totp-enroll-form', text('Enter your password to set up an authenticator app.'),
    password('totp-enroll-password'), submit('Continue'));
  const qr = element('img', { id: 'totp-qr', class: 'qr', width: 200, height: 200, alt: 'QR code to scan with your authenticator app' });
  const secret = element('code', { id: 'totp-secret' });
  const confirmForm = form('totp-confirm-form',
    text('Scan the QR code with your authenticator app, or type in the key by hand.'),
    qr, element('p', {}, 'Key: ', secret), code('totp-confirm-code', 'Code from the app'),
    submit('Turn on two-factor authentication'));
  const codes = element('ol', { id: 'recovery-codes', class: 'recovery-codes' });
  const recovery = element('div', { id: 'totp-recovery', hidden: true },
    element('p', { class: 'alert success', textContent: 'Save these recovery codes somewhere safe: each signs '
      + 'you in once if you lose your phone. They are shown only now.' }), codes);
  const codesForm = form('totp-codes-form', text('New recovery codes replace the ones you have.'),
    password('totp-codes-password'), submit('New recovery codes', 'secondary'));
  const disableForm = form('totp-disable-form',
    text('To disable it, enter a code from the app or a recovery code, or your password.'),
    code('totp-disable-code', 'Code from the app, or a recovery code'),
    password('totp-disable-password', 'Or your password'), submit('Disable', 'danger'));
  const keys = passkeysPart(site, authorized);
  const part = element('div', { class: 'part', role: 'region', 'aria-labelledby': 'security-heading' },
    element('h3', { id: 'security-heading', textContent: 'Security' }),
    element('h4', { textContent: 'Authenticator app' }),
    state, message, recovery, start, enrollForm, confirmForm, codesForm, disableForm, keys.part);

  function say(words, kind = 'success') {
    message.textContent = words;
    message.className = `alert ${kind}`;
    message.hidden = !words;
  }

  function showCodes(list) {
    codes.replaceChildren(...(list ?? []).map((c) => element('li', {}, element('code', { textContent: c }))));
    recovery.hidden = false;
  }

  // The status from the API: on, with the recovery codes left, or off with "Set up" offered.
  async function load() {
    const reply = await authorized('totpStatus');
    if (reply.status === 401) return;
    if (reply.status !== 200) return say(reply.status === 0 ? networkError : site.message(reply), 'error');
    const on = reply.body.enabled === true;
    const left = read(reply.body, 'recoveryCodesLeft', 'recovery_codes_left');
    state.textContent = on ? `Two-factor authentication is on. Recovery codes left: ${left}.`
      : 'Two-factor authentication is off.';
    start.hidden = on;
    enrollForm.hidden = true;
    confirmForm.hidden = true;
    codesForm.hidden = !on;
    disableForm.hidden = !on;
    for (const input of part.querySelectorAll('input')) input.value = '';
  }

  // Each form: its call, and on a 200 what to show; any other answer is the contract's error.
  function handle(formNode, endpoint, done) {
    onSubmit(formNode, async (values) => {
      const body = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
      const reply = await authorized(endpoint, body);
      if (reply.status === 401) return;
      if (reply.status !== 200) return site.report(formNode, reply);
      await done(reply.body);
    });
  }

  start.addEventListener('click', () => {
    say('');
    recovery.hidden = true;
    start.hidden = true;
    enrollForm.hidden = false;
    enrollForm.elements.password.focus();
  });
  handle(enrollForm, 'totpEnroll', async (body) => {
    secret.textContent = body.secret;
    qr.src = await site.api.qrCode(read(body, 'otpauthUri', 'otpauth_uri'));
    enrollForm.hidden = true;
    confirmForm.hidden = false;
    confirmForm.elements.code.focus();
  });
  handle(confirmForm, 'totpConfirm', async (body) => {
    await load();
    say('Two-factor authentication is on. Signing in now takes a code from the app.');
    showCodes(read(body, 'recoveryCodes', 'recovery_codes'));
  });
  handle(codesForm, 'newRecoveryCodes', async (body) => {
    await load();
    say('New recovery codes: the old ones no longer work.');
    showCodes(read(body, 'recoveryCodes', 'recovery_codes'));
  });
  handle(disableForm, 'totpDisable', async (body) => {
    await load();
    recovery.hidden = true;
    say(sentence(site.message({ body })));
  });

  return {
    part,
    load: async () => {
      say('');
      recovery.hidden = true;
      await load();
      if (location.pathname === '/account') await keys.load();
    },
  };
}

// Security, passkeys: the list (name, created, last used, backed up) with "Remove" on each, and
// "Add a passkey": the password (the service asks for it again) and an optional name, then the
// browser's ceremony with the options the service answers, and the new credential registered.
// Answers name their fields in camelCase or, on fastapi, snake_case (the credential's own JSON is
// WebAuthn's either way).
function passkeysPart(site, authorized) {
  const read = (body, camel, snake) => body[camel] ?? body[snake];
  const message = element('p', { id: 'passkeys-message', class: 'alert', role: 'status', hidden: true });
  const none = element('p', { id: 'passkeys-none', hidden: true, textContent: 'You have no passkeys yet.' });
  const list = element('ul', { id: 'passkeys', class: 'passkeys', 'aria-labelledby': 'passkeys-heading' });
  const start = element('button', { type: 'button', id: 'passkey-start', class: 'secondary', textContent: 'Add a passkey' });
  const cancel = element('button', { type: 'button', id: 'passkey-add-cancel', class: 'secondary', textContent: 'Cancel' });
  const addForm = element('form', { id: 'passkey-add-form', novalidate: true, hidden: true },
    element('p', { class: 'alert', role: 'alert', hidden: true }),
    element('p', { textContent: 'Enter your password; then your browser or phone asks you to create the passkey.' }),
    field('Password', { id: 'passkey-add-password', name: 'password', type: 'password', autocomplete: 'current-password' }),
    field('Name (optional)', { id: 'passkey-add-name', name: 'name', maxlength: 64, placeholder: 'e.g. Work laptop' }),
    element('button', { type: 'submit', textContent: 'Create the passkey' }), cancel);
  const part = element('div', { id: 'passkeys-part' },
    element('h4', { id: 'passkeys-heading', textContent: 'Passkeys' }),
    element('p', { textContent: 'Sign in with your fingerprint, face or screen lock instead of the password.' }),
    message, none, list, start, addForm);

  function say(words, kind = 'success') {
    message.textContent = words;
    message.className = `alert ${kind}`;
    message.hidden = !words;
  }

  function closeForm() {
    addForm.hidden = true;
    start.hidden = false;
    for (const input of addForm.querySelectorAll('input')) input.value = '';
    showAlert(addForm, '');
  }

  async function load() {
    const reply = await authorized('passkeyList');
    if (reply.status === 401) return;
    if (reply.status !== 200) return say(reply.status === 0 ? networkError : site.message(reply), 'error');
    const keys = reply.body.passkeys ?? [];
    list.replaceChildren(...keys.map(item));
    none.hidden = keys.length > 0;
  }

  function item(raw) {
    const backedUp = read(raw, 'backedUp', 'backed_up');
    const facts = element('dl', {});
    for (const [term, value] of [['Created', when(read(raw, 'createdAt', 'created_at'))],
      ['Last used', read(raw, 'lastUsedAt', 'last_used_at') ? when(read(raw, 'lastUsedAt', 'last_used_at')) : 'never'],
      ['Backed up', backedUp === true ? 'yes (synced)' : 'no (this device only)']]) {
      facts.append(element('dt', { textContent: term }), element('dd', { textContent: value }));
    }
    const remove = element('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${raw.name}`, textContent: 'Remove' });
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        const reply = await authorized('passkeyDelete', { id: raw.id });
        if (reply.status === 401) return;
        if (reply.status !== 200) return say(reply.status === 0 ? networkError : site.message(reply), 'error');
        await load();
        say(`${sentence(site.message(reply))} “${raw.name}” no longer signs you in.`);
      } finally {
        remove.disabled = false;
      }
    });
    return element('li', { class: 'passkey' },
      element('p', { class: 'passkey-title' }, element('strong', { textContent: raw.name })), facts, remove);
  }

  start.addEventListener('click', () => {
    say('');
    start.hidden = true;
    addForm.hidden = false;
    addForm.elements.password.focus();
  });
  cancel.addEventListener('click', closeForm);

  // The password opens a ceremony; the browser makes the credential; the service registers it.
  onSubmit(addForm, async ({ password, name }) => {
    const options = await authorized('passkeyRegisterOptions', { password });
    if (options.status === 401) return;
    if (options.status !== 200) return site.report(addForm, options);
    const { credential, error } = await passkeyCeremony('create', options.body);
    if (error) return showAlert(addForm, error);
    const reply = await authorized('passkeyRegister', name ? { credential, name } : { credential });
    if (reply.status === 401) return;
    if (reply.status !== 201) return site.report(addForm, reply);
    closeForm();
    await load();
    say(`Passkey “${reply.body.name}” added. You can sign in with it now.`);
  });

  return {
    part,
    load: () => {
      say('');
      closeForm();
      list.replaceChildren();  // another account's, or this one's before its last sign-in
      none.hidden = true;
      return load();
    },
  };
}

// A message as a sentence, whether or not the contract ends it with a full stop.
function sentence(text) {
  const trimmed = String(text ?? '').trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

// A time from an answer: an ISO 8601 string (the sessions), or Unix seconds (the passkeys).
function when(value) {
  const date = typeof value === 'number' ? new Date(value * 1000) : value ? new Date(value) : null;
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
