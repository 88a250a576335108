// Shared by the demo frontends: a fetch wrapper that always yields {status, body}, a small path
// router, form helpers that put a contract's field errors under their inputs, the login's second
// step, and the passkey ceremonies with "Sign in with a passkey". Plain ES modules, no framework:
// each demo's app.js reads as the seed's frontend notes.

// Calls the API; a network failure or a non-JSON answer becomes status 0 or an empty body, so
// views handle one shape. `token` adds the bearer header; `credentials` is fetch's own option.
export async function api(path, { method = 'GET', body, token, credentials = 'same-origin' } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { status: 0, body: {} };
  }
  let parsed = {};
  try {
    parsed = (await response.json()) ?? {};
  } catch {
    parsed = {};
  }
  return { status: response.status, body: parsed };
}

// The claims of a JWT, read without verifying (the server verifies; the page only needs `exp`).
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
  } catch {
    return {};
  }
}

// --- router ---------------------------------------------------------------------------------
// Each view is a <section data-path="/login"> in index.html; nginx serves index.html for every
// such path, so links and reloads work. `views` maps a path to a function run on entry.
let routes = {};

export function startRouter(views) {
  routes = views;
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-nav]');
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute('href'));
  });
  window.addEventListener('popstate', () => show());
  return show();
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  return show();
}

function show() {
  const path = location.pathname in routes ? location.pathname : '/';
  for (const section of document.querySelectorAll('section[data-path]')) {
    section.hidden = section.dataset.path !== path;
  }
  for (const link of document.querySelectorAll('nav a[data-nav]')) {
    link.classList.toggle('current', link.getAttribute('href') === path);
  }
  const view = document.querySelector(`section[data-path="${path}"]`);
  if (view) {
    clearForms(view);
    document.title = `${view.dataset.title ?? ''} · ${document.body.dataset.site}`;
  }
  return routes[path]?.(new URLSearchParams(location.search));
}

// --- forms ----------------------------------------------------------------------------------
// The fields of a form as the API wants them: strings trimmed, passwords exactly as typed.
export function readForm(form) {
  const out = {};
  for (const input of form.querySelectorAll('input[name], select[name]')) {
    if (input.type === 'radio' && !input.checked) continue;
    out[input.name] = input.type === 'password' ? input.value : input.value.trim();
  }
  return out;
}

// Puts each message of `errors` (field name -> message) under its input; returns the messages
// whose field this form does not show, for the general alert.
export function showFieldErrors(form, errors) {
  const unplaced = [];
  for (const [field, message] of Object.entries(errors ?? {})) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (!slot) {
      unplaced.push(String(message));
      continue;
    }
    slot.textContent = String(message);
    input?.setAttribute('aria-invalid', 'true');
  }
  return unplaced;
}

export function showAlert(form, message, kind = 'error') {
  const alert = form.querySelector('.alert');
  alert.textContent = message;
  alert.className = `alert ${kind}`;
  alert.hidden = !message;
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const alert = form.querySelector('.alert');
  if (alert) {
    alert.textContent = '';
    alert.hidden = true;
  }
}

function clearForms(view) {
  for (const form of view.querySelectorAll('form')) {
    clearErrors(form);
    for (const input of form.querySelectorAll('input[type=password]')) input.value = '';
  }
}

// Runs `submit(values)` on submission with the button disabled and old errors cleared.
export function onSubmit(form, submit) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    clearErrors(form);
    button.disabled = true;
    try {
      await submit(readForm(form));
    } finally {
      button.disabled = false;
    }
  });
}

// Fills the elements of `root` marked data-field="name" from `values`, as text (never HTML).
export function fill(root, values) {
  for (const slot of root.querySelectorAll('[data-field]')) {
    const value = values?.[slot.dataset.field];
    slot.textContent = value === undefined || value === null || value === '' ? '—' : String(value);
  }
}

// The account page (section data-path="/"): "loading" until `load()` answers the user; then the
// user's fields, or `signedOut()` when there is none. Returns the section, or nothing.
export async function showAccount(load, signedOut) {
  const section = document.querySelector('section[data-path="/"]');
  section.querySelector('[data-when="signed-in"]').hidden = true;
  section.querySelector('[data-when="loading"]').hidden = false;
  const user = await load();
  if (!user) {
    await signedOut();
    return null;
  }
  fill(section, user);
  section.querySelector('[data-when="loading"]').hidden = true;
  section.querySelector('[data-when="signed-in"]').hidden = false;
  return section;
}

export const networkError = 'The service cannot be reached. Try again in a moment.';

// A new element: `attributes` as they are in markup (true for a bare one, false or null for
// none), but textContent its text; `children` appended as they are (strings as text).
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'textContent') node.textContent = value;
    else if (value === true) node.setAttribute(name, '');
    else if (value !== false && value !== null) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// A form's field: its label, the input (`props` its attributes) and the slot for its error.
export function field(label, props) {
  return element('div', { class: 'field' },
    element('label', { for: props.id, textContent: label }),
    element('input', props),
    element('p', { class: 'field-error', 'data-error-for': props.name }));
}

// --- the second step of a sign-in -----------------------------------------------------------
// For an account with an authenticator app, a right password answers a challenge
// ({mfaRequired, mfaToken}, fastapi {mfa_required, mfa_token}) instead of a token. The login form
// then gives way to a code field; the code goes with the challenge to `path` by `send` (as the
// login went), and a 200 is the login's own answer, handed to `signedIn`. Errors go to `report`.
// Returns {challenged(reply)}, true when the login's answer was a challenge (the code form is
// then shown), and reset(), back to the login form (the login page's view calls it on entry).
export function secondFactor({ path, tokenField, send = api, report, signedIn }) {
  const login = document.getElementById('login-form');
  const input = { id: 'second-factor-code', name: 'code', autocomplete: 'one-time-code', spellcheck: 'false' };
  const back = element('button', { type: 'button', class: 'secondary', textContent: 'Start over' });
  const form = element('form', { id: 'second-factor-form', novalidate: true, hidden: true },
    element('p', { class: 'alert', role: 'alert', hidden: true }),
    element('p', { textContent: 'This account is protected by two-factor authentication.' }),
    field('Enter the code from your authenticator app, or a recovery code', input),
    element('button', { type: 'submit', textContent: 'Verify' }), back);
  login.after(form);
  let challenge = null;

  function reset() {
    challenge = null;
    form.hidden = true;
    form.elements.code.value = '';
    login.hidden = false;
  }
  back.addEventListener('click', reset);

  onSubmit(form, async ({ code }) => {
    const reply = await send(path, { method: 'POST', body: { [tokenField]: challenge, code } });
    if (reply.status !== 200) return report(form, reply);
    reset();
    return signedIn(reply);
  });

  function challenged(reply) {
    if (!(reply.body.mfaRequired ?? reply.body.mfa_required)) return false;
    challenge = reply.body[tokenField];
    login.hidden = true;
    form.hidden = false;
    form.elements.code.focus();
    return true;
  }
  return { challenged, reset };
}

// --- passkeys (WebAuthn) --------------------------------------------------------------------
// The service answers a ceremony's options as WebAuthn's JSON (PublicKeyCredential*OptionsJSON);
// the browser parses them, runs the ceremony, and the credential goes back as its toJSON().

// What a failed ceremony means to the user, from the DOMException the browser threw.
export function ceremonyError(error) {
  switch (error?.name) {
    case 'NotAllowedError':
      return 'The passkey request was cancelled or timed out. Nothing was changed.';
    case 'InvalidStateError':
      return 'This device already holds a passkey for this account.';
    case 'SecurityError':
      return 'Passkeys do not work at this address: open the site by its name (such as localhost), not by an IP address.';
    case 'NotSupportedError':
      return 'This browser or device cannot make a passkey this site accepts.';
    default:
      return `The passkey request failed${error?.message ? `: ${error.message}` : '.'}`;
  }
}

export const passkeysSupported = () => typeof window.PublicKeyCredential === 'function'
  && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function';

// Runs a ceremony with the service's options: 'create' (registration) or 'get' (sign-in).
// Answers {credential} (its JSON), or {error} (the text for the user).
export async function passkeyCeremony(kind, options) {
  if (!passkeysSupported()) return { error: 'This browser does not support passkeys.' };
  try {
    const publicKey = kind === 'create' ? PublicKeyCredential.parseCreationOptionsFromJSON(options)
      : PublicKeyCredential.parseRequestOptionsFromJSON(options);
    const credential = await navigator.credentials[kind]({ publicKey });
    if (!credential) return { error: ceremonyError(null) };
    return { credential: credential.toJSON() };
  } catch (error) {
    return { error: ceremonyError(error) };
  }
}

// "Sign in with a passkey" on the login form: the discoverable ceremony (the service names no
// credential; the authenticator offers the ones it holds for this site), then the assertion goes
// to the contract's passkey login by `send` (as the password login goes). Its answer is the
// password login's own: `twoStep` (secondFactor's) takes a challenge, else `signedIn` the sign-in.
// Errors (a cancelled ceremony, the service's refusal) appear as the login form's alert.
export function passkeySignIn({ send = api, report, signedIn, twoStep }) {
  const form = document.getElementById('login-form');
  const button = element('button', { type: 'button', id: 'passkey-sign-in', class: 'secondary', textContent: 'Sign in with a passkey' });
  form.append(element('p', { class: 'or', textContent: 'or' }), button);
  button.addEventListener('click', async () => {
    clearErrors(form);
    button.disabled = true;
    try {
      const options = await send('/api/auth/passkeys/login/options', { method: 'POST' });
      if (options.status !== 200) return report(form, options);
      const { credential, error } = await passkeyCeremony('get', options.body);
      if (error) return showAlert(form, error);
      const reply = await send('/api/auth/passkeys/login', { method: 'POST', body: { credential } });
      if (reply.status !== 200) return report(form, reply);
      if (!twoStep.challenged(reply)) await signedIn(reply);
    } finally {
      button.disabled = false;
    }
  });
}
