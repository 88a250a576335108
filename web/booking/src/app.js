// The booking contract's AuthStep (seed 000): passwordless email-code sign-in with AWS Amplify v6
// (or a passkey the user added, Cognito's WEB_AUTHN challenge), then the customer profile through the client @hey-api/openapi-ts generates from the contract's
// OpenAPI document, as the seed's frontend does. Amplify's userPoolEndpoint is this site's
// /cognito, which speaks the Cognito user-pool API. Bundled by esbuild (scripts/build-web).
import { Amplify } from 'aws-amplify';
import {
  associateWebAuthnCredential, autoSignIn, confirmSignIn, confirmSignUp, confirmUserAttribute,
  deleteUser, deleteWebAuthnCredential, fetchAuthSession, getCurrentUser,
  listWebAuthnCredentials, sendUserAttributeVerificationCode, signIn, signOut, signUp,
  updateUserAttributes,
} from 'aws-amplify/auth';

import { client } from './api/client.gen';
import { customersGetCustomersMe, customersPostCustomersMe } from './api/sdk.gen';
import { clearErrors, fill, onSubmit, showAlert, showFieldErrors } from '../../common/demo.js';

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: 'eu-central-1_Latchkey',
      userPoolClientId: 'latchkey-booking-demo',
      userPoolEndpoint: `${location.origin}/cognito`,
      loginWith: { email: true },
      // webAuthn must be present for signIn's preferredChallenge 'WEB_AUTHN'; the RP ID is the
      // page's host, as the service's (localhost locally: browsers refuse an IP address).
      passwordless: { emailOtpEnabled: true, webAuthn: { relyingPartyId: location.hostname } },
    },
  },
});

// The generated client asks for the bearer token of each call: the current id token (the
// customers API reads the email from it), refreshed by Amplify when it has expired.
client.setConfig({
  baseUrl: location.origin,
  auth: async () => (await fetchAuthSession()).tokens?.idToken?.toString(),
});

let pending = null;  // { email, signingUp } between the email step and the code step

function step(name) {
  for (const section of document.querySelectorAll('section[data-step]')) {
    section.hidden = section.dataset.step !== name;
    for (const form of section.querySelectorAll('form')) clearErrors(form);
  }
  document.querySelector(`section[data-step="${name}"] input`)?.focus();
}

// Amplify's errors carry the Cognito exception name; these are the ones a person can cause.
function explain(error) {
  switch (error?.name) {
    case 'CodeMismatchException': return { code: 'That code is not right. Check the email and try again.' };
    case 'AliasExistsException': return { '': 'Another account uses that email now. Your email has not changed.' };
    case 'ExpiredCodeException': return { '': 'That code has expired. Start again for a new one.' };
    case 'NotAuthorizedException': return { '': 'This sign-in has ended (too many wrong codes, or it expired). Start again.' };
    case 'LimitExceededException':
    case 'TooManyRequestsException': return { '': 'Too many codes were sent to this address. Try again later.' };
    case 'InvalidParameterException': return { email: 'Enter a valid email address.' };
    case 'EmptySignInUsername':
    case 'EmptySignUpUsername': return { email: 'Email is required.' };
    case 'EmptyConfirmSignInChallengeResponse':
    case 'EmptyConfirmSignUpCode': return { code: 'Enter the code from the email.' };
    default: return { '': error?.message || 'Something went wrong. Try again.' };
  }
}

function report(form, error) {
  const unplaced = showFieldErrors(form, explain(error));
  if (unplaced.length) showAlert(form, unplaced.join(' '));
}

// Seed flow 1 and 2: signIn for an existing user; UserNotFound means signUp instead.
onSubmit(document.getElementById('email-form'), async ({ email }) => {
  const form = document.getElementById('email-form');
  try {
    const started = await signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
    if (started.nextStep.signInStep !== 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE') throw new Error(`Unexpected step ${started.nextStep.signInStep}`);
    pending = { email, signingUp: false };
  } catch (error) {
    if (error?.name !== 'UserNotFoundException') return report(form, error);
    try {
      await signUp({ username: email, options: { userAttributes: { email }, autoSignIn: { authFlowType: 'USER_AUTH' } } });
      pending = { email, signingUp: true };
    } catch (signUpError) {
      return report(form, signUpError);
    }
  }
  document.getElementById('code-email').textContent = email;
  step('code');
});

// Seed flow 3: the code confirms the sign-in (or the sign-up, which then signs in by itself).
onSubmit(document.getElementById('code-form'), async ({ code }) => {
  const form = document.getElementById('code-form');
  try {
    if (pending?.signingUp) {
      await confirmSignUp({ username: pending.email, confirmationCode: code });
      await autoSignIn();
    } else {
      const done = await confirmSignIn({ challengeResponse: code });
      if (!done.isSignedIn) throw new Error(`Unexpected step ${done.nextStep.signInStep}`);
    }
  } catch (error) {
    report(form, error);
    if (error?.name === 'NotAuthorizedException' || error?.name === 'ExpiredCodeException') {
      document.getElementById('code').disabled = true;
    }
    return;
  }
  pending = null;
  await showProfile();
});

async function showProfile() {
  const read = await customersGetCustomersMe();
  if (read.response?.status === 200) {
    fill(document.querySelector('section[data-step="profile"]'), read.data);
    step('profile');
    return showPasskeys();
  }
  const session = await fetchAuthSession();
  fill(document.querySelector('section[data-step="profile-form"]'), { email: session.tokens?.idToken?.payload?.email });
  step('profile-form');
}

// POST /api/customers/me; 409 means the profile exists already, which the seed treats as success.
onSubmit(document.getElementById('profile-form'), async (values) => {
  const form = document.getElementById('profile-form');
  const body = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
  const created = await customersPostCustomersMe({ body });
  const status = created.response?.status;
  if (status === 201 || status === 409) return showProfile();
  const detail = created.error?.detail;
  if (Array.isArray(detail)) {
    const errors = Object.fromEntries(detail.map((d) => [d.loc?.[1] ?? '', d.msg]));
    const unplaced = showFieldErrors(form, errors);
    if (unplaced.length) showAlert(form, unplaced.join(' '));
  } else {
    showAlert(form, typeof detail === 'string' ? detail : 'The profile could not be saved. Try again.');
  }
});

// Passkeys: Amplify's associateWebAuthnCredential (StartWebAuthnRegistration, the browser's
// navigator.credentials.create, CompleteWebAuthnRegistration), listWebAuthnCredentials and
// deleteWebAuthnCredential; signing in with one is signIn's WEB_AUTHN challenge.
function explainPasskey(error) {
  switch (error?.name) {
    case 'PasskeyRegistrationCanceled':
    case 'PasskeyRetrievalCanceled':
    case 'NotAllowedError': return 'The passkey request was cancelled.';
    case 'PasskeyAlreadyExists':
    case 'InvalidStateError': return 'This device already has a passkey for your account.';
    case 'LimitExceededException': return 'You have the most passkeys allowed. Delete one first.';
    case 'NotAuthorizedException': return 'The passkey could not be used. Try again or use an emailed code.';
    case 'TooManyRequestsException': return 'Too many attempts. Try again later.';
    default: return error?.message || 'Something went wrong with the passkey. Try again.';
  }
}

async function showPasskeys() {
  const box = document.getElementById('passkeys');
  const list = document.getElementById('passkey-list');
  list.replaceChildren();
  let credentials = [];
  try {
    ({ credentials } = await listWebAuthnCredentials());
  } catch (error) {
    return showAlert(box, explainPasskey(error));
  }
  document.getElementById('no-passkeys').hidden = credentials.length > 0;
  for (const credential of credentials) {
    const item = document.createElement('li');
    item.dataset.credentialId = credential.credentialId;
    const label = document.createElement('span');
    label.textContent = `${credential.friendlyCredentialName} · added ${credential.createdAt?.toLocaleString() ?? ''}`;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary';
    remove.textContent = 'Delete';
    remove.addEventListener('click', async () => {
      try {
        await deleteWebAuthnCredential({ credentialId: credential.credentialId });
      } catch (error) {
        return showAlert(box, explainPasskey(error));
      }
      await showPasskeys();
      showAlert(box, 'Passkey deleted.', 'success');
    });
    item.append(label, ' ', remove);
    list.append(item);
  }
}

document.getElementById('add-passkey').addEventListener('click', async () => {
  const box = document.getElementById('passkeys');
  try {
    await associateWebAuthnCredential();
  } catch (error) {
    return showAlert(box, explainPasskey(error));
  }
  await showPasskeys();
  showAlert(box, 'Passkey added. You can sign in with it next time.', 'success');
});

document.getElementById('passkey-sign-in').addEventListener('click', async () => {
  const form = document.getElementById('email-form');
  clearErrors(form);
  const email = document.getElementById('email').value.trim();
  if (!email) return showFieldErrors(form, { email: 'Email is required.' });
  try {
    const done = await signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } });
    if (!done.isSignedIn) {
      // No passkey for this user: Cognito offers the other challenges instead.
      return showAlert(form, 'There is no passkey for this account yet. Use an emailed code.');
    }
  } catch (error) {
    if (error?.name === 'UserNotFoundException') return showFieldErrors(form, { email: 'No account uses that email.' });
    return showAlert(form, explainPasskey(error));
  }
  await showProfile();
});

// Changing the email (Cognito's UpdateUserAttributes): a code goes to the new address and the
// current one stays until the code is confirmed; the profile follows on the server.
function emailChangeStep(sentTo) {
  const codeForm = document.getElementById('email-code-form');
  document.getElementById('email-change-form').hidden = Boolean(sentTo);
  codeForm.hidden = !sentTo;
  codeForm.reset();
  clearErrors(codeForm);
  document.getElementById('new-email-sent').textContent = sentTo ?? '';
}

onSubmit(document.getElementById('email-change-form'), async ({ email }) => {
  const form = document.getElementById('email-change-form');
  if (!email) return showFieldErrors(form, { email: 'Email is required.' });
  try {
    await updateUserAttributes({ userAttributes: { email } });
  } catch (error) {
    return report(form, error);
  }
  emailChangeStep(email);
});

document.getElementById('resend-email-code').addEventListener('click', async () => {
  const form = document.getElementById('email-code-form');
  clearErrors(form);
  try {
    await sendUserAttributeVerificationCode({ userAttributeKey: 'email' });
    showAlert(form, 'A new code is on its way; the earlier one no longer works.', 'info');
  } catch (error) {
    report(form, error);
  }
});

onSubmit(document.getElementById('email-code-form'), async ({ code }) => {
  const form = document.getElementById('email-code-form');
  if (!code) return showFieldErrors(form, { code: 'Enter the code from the email.' });
  try {
    await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: code });
  } catch (error) {
    return report(form, error);
  }
  await fetchAuthSession({ forceRefresh: true });  // id tokens from now on carry the new address
  emailChangeStep(null);
  document.getElementById('email-change-form').reset();
  await showProfile();
  showAlert(document.getElementById('email-change-form'), 'Your email has changed.', 'success');
});

// Cognito's DeleteUser: the account and its booking profile go; Amplify forgets the tokens.
onSubmit(document.getElementById('delete-form'), async () => {
  const form = document.getElementById('delete-form');
  if (!document.getElementById('delete-confirm').checked) {
    return showFieldErrors(form, { confirm: 'Tick the box to confirm.' });
  }
  try {
    await deleteUser();
  } catch (error) {
    return report(form, error);
  }
  form.reset();
  await startOver();
  showAlert(document.getElementById('email-form'), 'Your account was deleted.', 'success');
});

async function startOver() {
  await signOut().catch(() => {});
  pending = null;
  document.getElementById('code').disabled = false;
  document.getElementById('code-form').reset();
  step('email');
}

document.getElementById('sign-out').addEventListener('click', startOver);
// GlobalSignOut: every device's sign-in ends, this one's too.
document.getElementById('sign-out-everywhere').addEventListener('click', async () => {
  await signOut({ global: true }).catch(() => {});
  await startOver();
});
document.getElementById('start-over').addEventListener('click', (event) => {
  event.preventDefault();
  startOver();
});

// A reload keeps the session: Amplify kept the tokens and refreshes them when needed.
try {
  await getCurrentUser();
  await showProfile();
} catch {
  step('email');
}
