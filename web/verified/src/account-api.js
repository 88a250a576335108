// The verified demo's account calls through the client generated from handlers/openapi/verified.json
// (./api, made by scripts/build-web), bundled by esbuild into verified/dist/account-api.js.
import { client } from './api/client.gen';
import * as sdk from './api/sdk.gen';
import { accountCalls } from '../../common/src/account-client.js';

export const accountApi = (auth) => accountCalls(sdk, client, auth);
