/**
 * Section 4's server: local mode (the handler modules behind the API Gateway stand-in, against
 * the S3 and Cognito emulators), started in a fresh process so that the load generator in
 * `bench/run.mjs` gets the other core. Signs in as alice (and the uploaders) with the typed client, uploads one
 * small text file for the download requests to ask for, waits until the verifier has made it
 * available, reports `{apiUrl, token, downloadId}`, and stops when told to.
 *
 * Run with tsx (`startFreshProcess('local-api.mjs', { tsx: true })`): local mode and the client
 * are TypeScript. They are `require`d: tsx compiles them as CommonJS (the package is not
 * `"type": "module"`), and local mode's own `import()` of the handlers resolves only that way.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const { createFileClient, signInWithPassword } = require('../client');
const { DEFAULT_PASSWORD, startLocalMode } = require('../local/local-mode');

/** Upload URLs come from users of their own, one per connection (the quotas are per user); downloads from alice. */
const UPLOADERS = Array.from({ length: 32 }, (_, n) => `bench-${n + 1}`);
/** A plan no run fills: the figures are the quota's writes, never a refusal. */
const BENCH_PLAN = { uploadUrlsPerMinute: 100_000, downloadUrlsPerMinute: 100_000, maxPendingUploads: 1000, maxFiles: 1_000_000 };

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-local-'));
const stack = await startLocalMode({
  apiPort: 0,
  s3Port: 0,
  cognitoPort: 0,
  dynamoDbPort: 0,
  directory,
  settings: { defaultPlan: BENCH_PLAN },
  users: ['alice', ...UPLOADERS].map((username) => ({ username, password: DEFAULT_PASSWORD })),
});
const tokenOf = async (username) =>
  (
    await signInWithPassword({
      endpoint: stack.outputs.CognitoEndpoint,
      clientId: stack.outputs.UserPoolClientId,
      username,
      password: DEFAULT_PASSWORD,
    })
  ).accessToken;
const accessToken = await tokenOf('alice');
const uploaderTokens = await Promise.all(UPLOADERS.map(tokenOf));
const client = createFileClient({ apiUrl: stack.outputs.ApiUrl, getToken: () => accessToken });
const { id } = await client.upload(Buffer.from('hello'), { filename: 'hello.txt', contentType: 'text/plain' });
// Downloads answer 409 until the verifier has read the bytes.
await stack.events.idle();
const { status } = await client.get(id);
if (status !== 'available') throw new Error(`the file to download is ${status} after verification, not available`);

process.send({
  apiUrl: stack.outputs.ApiUrl,
  token: accessToken,
  uploaderTokens,
  downloadId: id,
  stsCallsBefore: stack.sts.assumeRoleCalls(),
});
process.once('message', async () => {
  const stsCalls = stack.sts.assumeRoleCalls();
  await stack.stop();
  fs.rmSync(directory, { recursive: true, force: true });
  process.send({ stsCalls }, () => process.exit(0));
});
