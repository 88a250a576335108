// The booking contract with the real clients: AWS Amplify v6 (the seed's frontend library) and the
// AWS SDK's Cognito client, against Latchkey's Cognito-compatible endpoint through real nginx.
// Run by tests/integration/test_booking_clients.py, which starts the stack and sets
//   LATCHKEY_BOOKING_URL  http://127.0.0.1:<port>
//   LATCHKEY_MAIL_DIR     where the dir mail transport writes the codes
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Amplify } from 'aws-amplify';
import {
  autoSignIn, confirmSignIn, confirmSignUp, confirmUserAttribute, deleteUser, fetchAuthSession,
  fetchUserAttributes, getCurrentUser, sendUserAttributeVerificationCode, signIn, signOut, signUp,
  updateUserAttributes,
} from 'aws-amplify/auth';
import {
  CognitoIdentityProviderClient, ConfirmSignUpCommand, DeleteUserCommand, GetTokensFromRefreshTokenCommand,
  GetUserAttributeVerificationCodeCommand, GetUserCommand, InitiateAuthCommand, RespondToAuthChallengeCommand,
  RevokeTokenCommand, SignUpCommand, UpdateUserAttributesCommand, VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';

import { nextCode as nextMailedCode } from './mail.mjs';

const base = process.env.LATCHKEY_BOOKING_URL;
const mailDir = process.env.LATCHKEY_MAIL_DIR;
const clientId = 'latchkey-booking-demo';
assert.ok(base && mailDir, 'LATCHKEY_BOOKING_URL and LATCHKEY_MAIL_DIR must be set');

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: 'eu-central-1_Latchkey',
      userPoolClientId: clientId,
      userPoolEndpoint: `${base}/cognito`,
      loginWith: { email: true },
      passwordless: { emailOtpEnabled: true },
    },
  },
});
// The SDK appends a slash to the endpoint: the service answers /cognito/ too.
const sdk = new CognitoIdentityProviderClient({
  region: 'eu-central-1', endpoint: `${base}/cognito`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});

const unique = (tag) => `${tag}-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const nextCode = (email) => nextMailedCode(mailDir, email);

async function customers(method, token, body) {
  const res = await fetch(`${base}/api/customers/me`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const seedProfile = { name: 'María García', phone: '+34 612 345 678', preferred_language: 'en' };

async function signUpAndAutoSignIn(email) {
  const code = nextCode(email);
  const up = await signUp({
    username: email,
    options: { userAttributes: { email }, autoSignIn: { authFlowType: 'USER_AUTH' } },
  });
  assert.equal(up.isSignUpComplete, false);
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  assert.equal(up.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  const confirmed = await confirmSignUp({ username: email, confirmationCode: await code() });
  assert.equal(confirmed.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
  const signedIn = await autoSignIn();  // no second code: ConfirmSignUp returned a Session
  assert.equal(signedIn.isSignedIn, true);
  return up.userId;
}

async function signInWithCode(email) {
  const code = nextCode(email);
  const started = await signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
  assert.equal(started.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const done = await confirmSignIn({ challengeResponse: await code() });
  assert.equal(done.isSignedIn, true);
  assert.equal(done.nextStep.signInStep, 'DONE');
}

async function sdkSignIn(email) {
  const code = nextCode(email);
  const started = await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'EMAIL_OTP' },
  }));
  assert.equal(started.ChallengeName, 'EMAIL_OTP');
  const done = await sdk.send(new RespondToAuthChallengeCommand({
    ClientId: clientId, ChallengeName: 'EMAIL_OTP', Session: started.Session,
    ChallengeResponses: { USERNAME: email, EMAIL_OTP_CODE: await code() },
  }));
  return done.AuthenticationResult;
}

test('a new user signs up, confirms, is signed in automatically and creates the seed profile', async () => {
  const email = unique('new');
  const userId = await signUpAndAutoSignIn(email);
  const session = await fetchAuthSession();
  const idToken = session.tokens.idToken.toString();
  assert.equal(session.tokens.idToken.payload.email, email);
  assert.equal(session.tokens.idToken.payload.sub, userId);
  assert.equal((await getCurrentUser()).userId, userId);
  const created = await customers('POST', idToken, seedProfile);
  assert.equal(created.status, 201);
  assert.deepEqual(Object.keys(created.body).sort(), ['cognito_sub', 'created_at', 'customer_id', 'email',
    'email_verified', 'name', 'phone', 'preferred_language', 'updated_at']);
  assert.match(created.body.customer_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(created.body.cognito_sub, userId);
  assert.equal(created.body.email, email);
  assert.equal(created.body.email_verified, true);
  assert.equal(created.body.name, 'María García');
  assert.equal(created.body.phone, '+34 612 345 678');
  assert.equal(created.body.preferred_language, 'en');
  assert.match(created.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await signOut();
});

test('an existing user signs in with a code; a second create is 409 and reading is 200', async () => {
  const email = unique('existing');
  await signUpAndAutoSignIn(email);
  const first = await customers('POST', (await fetchAuthSession()).tokens.idToken.toString(), seedProfile);
  assert.equal(first.status, 201);
  await signOut();
  await signInWithCode(email);
  const idToken = (await fetchAuthSession()).tokens.idToken.toString();
  const again = await customers('POST', idToken, seedProfile);
  assert.equal(again.status, 409);
  assert.deepEqual(again.body, { detail: 'Customer profile already exists' });
  const read = await customers('GET', idToken);
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, first.body);
  await signOut();
});

test('sign-in without a preferred challenge goes through SELECT_CHALLENGE', async () => {
  const email = unique('select');
  await signUpAndAutoSignIn(email);
  await signOut();
  const code = nextCode(email);
  const started = await signIn({ username: email, options: { authFlowType: 'USER_AUTH' } });
  assert.equal(started.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  const chosen = await confirmSignIn({ challengeResponse: 'EMAIL_OTP' });
  assert.equal(chosen.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const done = await confirmSignIn({ challengeResponse: await code() });
  assert.equal(done.isSignedIn, true);
  await signOut();
});

test('three wrong codes end the sign-in session', async () => {
  const email = unique('wrong');
  await signUpAndAutoSignIn(email);
  await signOut();
  const code = nextCode(email);
  await signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
  const right = await code();
  const wrong = right === '00000000' ? '11111111' : '00000000';
  for (let i = 0; i < 3; i++) {
    await assert.rejects(confirmSignIn({ challengeResponse: wrong }), { name: 'CodeMismatchException' });
  }
  await assert.rejects(confirmSignIn({ challengeResponse: right }), { name: 'NotAuthorizedException' });
});

test('an unknown user cannot start a sign-in', async () => {
  await assert.rejects(
    signIn({ username: unique('nobody'), options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } }),
    { name: 'UserNotFoundException' },
  );
});

test('an existing email cannot sign up again', async () => {
  const email = unique('twice');
  await signUpAndAutoSignIn(email);
  await signOut();
  await assert.rejects(signUp({ username: email, options: { userAttributes: { email } } }),
    { name: 'UsernameExistsException' });
});

test('Amplify refreshes with GetTokensFromRefreshToken and the SDK with REFRESH_TOKEN_AUTH', async () => {
  const email = unique('refresh');
  await signUpAndAutoSignIn(email);
  const before = (await fetchAuthSession()).tokens;
  await sleep(1100);  // a new iat, so the new tokens differ
  const after = (await fetchAuthSession({ forceRefresh: true })).tokens;
  assert.notEqual(after.idToken.toString(), before.idToken.toString());
  assert.equal(after.idToken.payload.sub, before.idToken.payload.sub);
  assert.equal((await customers('GET', after.idToken.toString())).status, 404);
  await signOut();

  const tokens = await sdkSignIn(email);
  const old = await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
  }));
  assert.ok(old.AuthenticationResult.IdToken);
  assert.equal(old.AuthenticationResult.RefreshToken, undefined);  // the old client keeps its token
  const rotated = await sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: tokens.RefreshToken }));
  assert.ok(rotated.AuthenticationResult.RefreshToken);
  assert.notEqual(rotated.AuthenticationResult.RefreshToken, tokens.RefreshToken);
});

test('signOut revokes the refresh token and the tokens of that sign-in', async () => {
  const email = unique('signout');
  await signUpAndAutoSignIn(email);
  const idToken = (await fetchAuthSession()).tokens.idToken.toString();
  assert.equal((await customers('GET', idToken)).status, 404);
  await signOut();  // RevokeToken, since the access token carries origin_jti
  assert.equal((await customers('GET', idToken)).status, 401);
  const tokens = await sdkSignIn(email);
  await sdk.send(new RevokeTokenCommand({ ClientId: clientId, Token: tokens.RefreshToken }));
  await assert.rejects(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: tokens.RefreshToken })),
    { name: 'NotAuthorizedException' });
});

test('a global signOut ends every sign-in of the user', async () => {
  const email = unique('global');
  await signUpAndAutoSignIn(email);
  const other = await sdkSignIn(email);  // a second device
  await signOut({ global: true });
  assert.equal((await customers('GET', other.IdToken)).status, 401);
  await assert.rejects(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: other.RefreshToken })),
    { name: 'NotAuthorizedException' });
});

test('updateUserAttributes changes the email once confirmUserAttribute has its code; the profile follows', async () => {
  const email = unique('change');
  await signUpAndAutoSignIn(email);
  assert.equal((await customers('POST', (await fetchAuthSession()).tokens.idToken.toString(), seedProfile)).status, 201);
  const address = unique('changed');
  const first = nextCode(address);
  const out = await updateUserAttributes({ userAttributes: { email: address } });
  assert.equal(out.email.isUpdated, false);
  assert.equal(out.email.nextStep.updateAttributeStep, 'CONFIRM_ATTRIBUTE_WITH_CODE');
  assert.equal(out.email.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.equal(out.email.nextStep.codeDeliveryDetails.attributeName, 'email');
  // The original address stays until the code is answered.
  assert.equal((await fetchUserAttributes()).email, email);
  const firstCode = await first();
  const second = nextCode(address);
  const resent = await sendUserAttributeVerificationCode({ userAttributeKey: 'email' });
  assert.equal(resent.deliveryMedium, 'EMAIL');
  const secondCode = await second();
  if (firstCode !== secondCode) {
    await assert.rejects(confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: firstCode }),
      { name: 'CodeMismatchException' });
  }
  await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: secondCode });
  const attributes = await fetchUserAttributes();
  assert.equal(attributes.email, address);
  assert.equal(attributes.email_verified, 'true');
  const idToken = (await fetchAuthSession({ forceRefresh: true })).tokens.idToken;
  assert.equal(idToken.payload.email, address);
  const profile = await customers('GET', idToken.toString());
  assert.equal(profile.status, 200);
  assert.equal(profile.body.email, address);
  await signOut();
  await signInWithCode(address);
  await signOut();
  await assert.rejects(
    signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } }),
    { name: 'UserNotFoundException' },
  );
});

test('deleteUser erases the user, its profile and every sign-in; the address signs up anew', async () => {
  const email = unique('delete');
  const userId = await signUpAndAutoSignIn(email);
  const idToken = (await fetchAuthSession()).tokens.idToken.toString();
  assert.equal((await customers('POST', idToken, seedProfile)).status, 201);
  const other = await sdkSignIn(email);  // a second device
  await deleteUser();
  await assert.rejects(getCurrentUser());  // Amplify forgot the user
  assert.equal((await customers('GET', idToken)).status, 401);
  await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: other.AccessToken })), { name: 'NotAuthorizedException' });
  await assert.rejects(sdk.send(new DeleteUserCommand({ AccessToken: other.AccessToken })), { name: 'NotAuthorizedException' });
  await assert.rejects(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: other.RefreshToken })),
    { name: 'NotAuthorizedException' });
  const code = nextCode(email);
  const again = await sdk.send(new SignUpCommand({ ClientId: clientId, Username: email, UserAttributes: [{ Name: 'email', Value: email }] }));
  assert.notEqual(again.UserSub, userId);
  await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: await code() }));
  const tokens = await sdkSignIn(email);
  assert.equal((await customers('GET', tokens.IdToken)).status, 404);
});

test('the SDK speaks UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute and DeleteUser', async () => {
  const email = unique('sdk');
  await signUpAndAutoSignIn(email);
  await signOut();
  const tokens = await sdkSignIn(email);
  const address = unique('sdk-new');
  const first = nextCode(address);
  const updated = await sdk.send(new UpdateUserAttributesCommand({
    AccessToken: tokens.AccessToken, UserAttributes: [{ Name: 'email', Value: address }],
  }));
  assert.equal(updated.CodeDeliveryDetailsList.length, 1);
  assert.equal(updated.CodeDeliveryDetailsList[0].AttributeName, 'email');
  assert.equal(updated.CodeDeliveryDetailsList[0].DeliveryMedium, 'EMAIL');
  await first();
  const second = nextCode(address);
  const resent = await sdk.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: tokens.AccessToken, AttributeName: 'email' }));
  assert.equal(resent.CodeDeliveryDetails.AttributeName, 'email');
  const code = await second();
  await assert.rejects(sdk.send(new VerifyUserAttributeCommand({ AccessToken: tokens.AccessToken, AttributeName: 'phone_number', Code: code })),
    { name: 'InvalidParameterException' });
  // Taken meanwhile: told only with the right code, and nothing changes.
  await sdk.send(new SignUpCommand({ ClientId: clientId, Username: address, UserAttributes: [{ Name: 'email', Value: address }] }));
  await assert.rejects(sdk.send(new VerifyUserAttributeCommand({ AccessToken: tokens.AccessToken, AttributeName: 'email', Code: code })),
    { name: 'AliasExistsException' });
  const user = await sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
  assert.equal(user.UserAttributes.find((a) => a.Name === 'email').Value, email);
  await sdk.send(new DeleteUserCommand({ AccessToken: tokens.AccessToken }));
  await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken })), { name: 'NotAuthorizedException' });
});

// Passkeys over the SDK's own commands (the ceremonies themselves run in Chromium:
// browser.test.mjs): the shapes deserialize and the errors arrive as their modeled exceptions.
test('the SDK speaks StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials and DeleteWebAuthnCredential', async () => {
  const {
    CompleteWebAuthnRegistrationCommand, DeleteWebAuthnCredentialCommand, ListWebAuthnCredentialsCommand,
    StartWebAuthnRegistrationCommand,
  } = await import('@aws-sdk/client-cognito-identity-provider');
  const email = unique('sdk-passkey');
  await signUpAndAutoSignIn(email);
  await signOut();
  const tokens = await sdkSignIn(email);
  const started = await sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: tokens.AccessToken }));
  const options = started.CredentialCreationOptions;
  assert.equal(options.rp.id, 'localhost');
  assert.equal(options.user.name, email);
  assert.deepEqual(options.pubKeyCredParams.map((p) => p.alg), [-8, -7, -257]);
  const b64url = (text) => Buffer.from(text).toString('base64url');
  const stranger = {
    id: b64url('id'), rawId: b64url('id'), type: 'public-key',
    response: {
      clientDataJSON: b64url(JSON.stringify({ type: 'webauthn.create', challenge: b64url('never issued'), origin: 'http://localhost' })),
      attestationObject: b64url('not cbor'),
    },
  };
  await assert.rejects(sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: tokens.AccessToken, Credential: stranger })),
    { name: 'WebAuthnChallengeNotFoundException' });
  const listed = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: tokens.AccessToken, MaxResults: 5 }));
  assert.deepEqual(listed.Credentials, []);
  await assert.rejects(sdk.send(new DeleteWebAuthnCredentialCommand({ AccessToken: tokens.AccessToken, CredentialId: b64url('id') })),
    { name: 'ResourceNotFoundException' });
  await assert.rejects(sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: tokens.IdToken })),
    { name: 'NotAuthorizedException' });
  // Without passkeys, preferring WEB_AUTHN offers what there is.
  const choice = await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'WEB_AUTHN' },
  }));
  assert.equal(choice.ChallengeName, 'SELECT_CHALLENGE');
  assert.deepEqual(choice.AvailableChallenges, ['EMAIL_OTP']);
});
