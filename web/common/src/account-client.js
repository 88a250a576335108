// The account page's calls (web/common/account.js) made through the client @hey-api/openapi-ts
// generates from a contract's OpenAPI document (web/CONTRACT/src/api, by scripts/build-web). Each
// password demo's src/account-api.js passes its generated SDK and client here; its app.js imports
// the bundle esbuild makes of it (/demo/CONTRACT/dist/account-api.js) and says how a call is
// authorized there:
//   token()        the bearer token to send, or nothing (the client then sends no Authorization)
//   credentials    fetch's own option: 'include' where the session is an HttpOnly cookie
//   authorize(go)  wraps each authorized call (storefront: one refresh and one retry on a 401)
// The generated client answers {data, error, response}; the page handles {status, body}, the
// contract's own success or error body (status 0 and an empty body when the service cannot be
// reached, or the answer is not JSON), so it shows errors in the contract's wording as before.
// Besides the calls, qrCode(text) answers the data URL of a QR code of `text` (the authenticator
// app's otpauth:// URI), drawn by the qrcode package this bundle carries.
import QRCode from 'qrcode';

export function accountCalls(sdk, client, { token = () => null, credentials = 'same-origin', authorize = (go) => go() } = {}) {
  client.setConfig({
    baseUrl: location.origin,
    credentials,
    // Only the bearer scheme: a cookie the browser holds goes by itself (credentials).
    auth: (scheme) => (scheme.scheme === 'bearer' ? token() || undefined : undefined),
  });
  const send = (operation, body) => authorize(() => reply(operation(body === undefined ? {} : { body })));
  return {
    changePassword: (body) => send(sdk.changePassword, body),
    listSessions: () => send(sdk.listSessions),
    revokeSession: (body) => send(sdk.revokeSession, body),
    revokeAllSessions: () => send(sdk.revokeAllSessions),
    changeEmail: (body) => send(sdk.changeEmail, body),
    deleteAccount: (body) => send(sdk.deleteAccount, body),
    totpStatus: () => send(sdk.totpStatus),
    totpEnroll: (body) => send(sdk.totpEnroll, body),
    totpConfirm: (body) => send(sdk.totpConfirm, body),
    totpDisable: (body) => send(sdk.totpDisable, body),
    newRecoveryCodes: (body) => send(sdk.newRecoveryCodes, body),
    passkeyList: () => send(sdk.passkeyList),
    passkeyRegisterOptions: (body) => send(sdk.passkeyRegisterOptions, body),
    passkeyRegister: (body) => send(sdk.passkeyRegister, body),
    passkeyDelete: (body) => send(sdk.passkeyDelete, body),
    qrCode: (text) => QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 200 }),
    // The link from the mail: no session needed, the token in the body is the proof.
    confirmEmail: (body) => reply(sdk.confirmEmail({ body })),
  };
}

// {data, error, response} as {status, body}.
async function reply(call) {
  let result;
  try {
    result = await call;
  } catch {
    return { status: 0, body: {} };
  }
  const { data, error, response } = result ?? {};
  if (!response) return { status: 0, body: {} };
  const body = response.ok ? data : error;
  return { status: response.status, body: body !== null && typeof body === 'object' ? body : {} };
}
