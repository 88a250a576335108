// The verified demo's account calls through the client generated from its contract's
// OpenAPI document, handlers/openapi/verified.json (./api, made by scripts/build-web), bundled by
// esbuild into verified/dist/account-api.js, which app.js imports.
import { client } from './api/client.gen';
import * as sdk from './api/sdk.gen';
import { accountCalls } from '../../common/src/account-client.js';

export const accountApi = (auth) => accountCalls(sdk, client, auth);
