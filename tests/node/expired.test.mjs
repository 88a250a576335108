// Run against a stack whose codes live LATCHKEY_CODE_TTL seconds (tests/integration/test_booking_clients.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Amplify } from 'aws-amplify';
import { confirmSignIn, signIn } from 'aws-amplify/auth';
import {
  CognitoIdentityProviderClient, ResendConfirmationCodeCommand, SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';

const base = process.env.LATCHKEY_BOOKING_URL;
Amplify.configure({ Auth: { Cognito: {
  userPoolId: 'eu-central-1_Latchkey', userPoolClientId: 'demo', userPoolEndpoint: `${base}/cognito`,
  loginWith: { email: true }, passwordless: { emailOtpEnabled: true },
} } });

test('an expired code is refused with ExpiredCodeException', async () => {
  const email = process.env.LATCHKEY_CONFIRMED_EMAIL;
  await signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
  await new Promise((resolve) => setTimeout(resolve, (Number(process.env.LATCHKEY_CODE_TTL) + 1) * 1000));
  await assert.rejects(confirmSignIn({ challengeResponse: '12345678' }), { name: 'ExpiredCodeException' });
});

test('codes beyond the sending limit are refused before anything is sent', async () => {
  const sdk = new CognitoIdentityProviderClient({
    region: 'eu-central-1', endpoint: `${base}/cognito`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const email = process.env.LATCHKEY_LIMIT_EMAIL;
  await sdk.send(new SignUpCommand({ ClientId: 'demo', Username: email, UserAttributes: [{ Name: 'email', Value: email }] }));
  // SignUp sent the first of the five codes a window allows: four resends pass, the fifth is refused.
  for (let i = 0; i < 4; i++) {
    await sdk.send(new ResendConfirmationCodeCommand({ ClientId: 'demo', Username: email }));
  }
  await assert.rejects(sdk.send(new ResendConfirmationCodeCommand({ ClientId: 'demo', Username: email })),
    { name: 'LimitExceededException' });
});
