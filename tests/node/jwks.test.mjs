// Tokens of an EdDSA site, verified the way another service would: jose fetches the site's JWKS
// through nginx and checks signature, issuer, audience and expiry without any shared secret.
// The harness (tests/integration/test_signing.py) passes the site's URL and tokens it obtained.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

const base = process.env.LATCHKEY_SITE_URL;
const tokens = JSON.parse(process.env.LATCHKEY_TOKENS);
const audience = process.env.LATCHKEY_AUDIENCE;
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', base));

test('every issued token verifies against the published keys', async () => {
  for (const token of tokens) {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: 'latchkey',
      audience,
      algorithms: ['EdDSA'],
    });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.ok(payload.sub, 'a subject');
  }
});

test('the tokens were signed by different keys (a rotation happened)', () => {
  const kids = new Set(tokens.map((t) => decodeProtectedHeader(t).kid));
  assert.equal(kids.size, tokens.length);
});

test('a token with a changed payload or of another audience is refused', async () => {
  const [header, payload, signature] = tokens[0].split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  claims.sub = 'someone-else';
  const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
  await assert.rejects(jwtVerify(forged, jwks, { algorithms: ['EdDSA'] }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  await assert.rejects(jwtVerify(tokens[0], jwks, { audience: 'another-site', algorithms: ['EdDSA'] }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
});
