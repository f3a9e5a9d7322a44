/**
 * Section 1: the cost of issuing one URL, warm and in-process, forked by `bench/run.mjs` with
 * the functions' environment (STS pointing at the loopback stub) and stdout discarded (the
 * handlers' log lines are written, as in Lambda, just not kept).
 *
 * - a: the deployed bundles' `handler(event, context)`, role session cached; the HEAD before a
 *   download is answered in-process by replacing `node:https`'s `request` (the handler's HEAD
 *   transport), so no network time is counted;
 * - b: a new `S3Client` and `getSignedUrl(new PutObjectCommand(…))` per URL (`bench/naive/`);
 * - c: the same with the client reused;
 * - c′: our signer alone (`lambdas/shared/object-urls.ts`), the presigner reused;
 * - d: the floor, a hand-written SigV4 presign (`bench/sigv4-floor.mjs`), first proven to give
 *   the very URL our signer gives;
 * - t-put, t-get: the floor of a table call, the same `PutItem` (a new id each time, as the upload's
 *   condition needs) and `GetItem` the handlers send, pre-serialized, over one kept-alive
 *   `node:http` connection to the same dynalite: the round trip and dynalite's own work, no SDK.
 *   A route's floor is its signatures × d plus its table calls × (t + d, the call's own signature).
 *
 * Variants run in interleaved rounds so that the machine's noise falls on all of them alike.
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';
import { medianAndP99 } from './percentiles.mjs';
import { STUB_CREDENTIALS, STUB_HEAD_HEADERS } from './aws-stubs.mjs';
import { createFloorPresigner } from './sigv4-floor.mjs';

const input = JSON.parse(process.env.BENCH_INPUT);
const importFile = (file) => import(pathToFileURL(file).href);

answerHeadsInProcess();
const [uploads, downloads, ourSigner, naiveSigners] = await Promise.all([
  importFile(input.bundles.uploads),
  importFile(input.bundles.downloads),
  importFile(input.modules['object-urls']),
  importFile(input.modules['naive-object-urls']),
]);

const location = { bucket: process.env.BUCKET_NAME, region: process.env.AWS_REGION, urlSuffix: process.env.URL_SUFFIX };
const session = { userId: 'bench', credentials: STUB_CREDENTIALS, expiresAt: Date.now() + 3_600_000 };
/** The PUT the uploads handler signs for its event: same key shape, same signed headers. */
const put = {
  method: 'PUT',
  key: 'users/11111111-aaaa-4aaa-8aaa-111111111111/0f8fad5b-d9cb-469f-a165-70867728950e/Holiday-photo.jpg',
  headers: { 'content-type': 'image/jpeg', 'content-length': '1234', 'if-none-match': '*', 'x-amz-meta-filename': 'Holiday%20photo.jpg' },
};
const ttl = 600;

/** The signatures and table calls each measured route cannot do without. */
const FLOOR_WORK = {
  uploads: { signatures: 1, tableCalls: { PutItem: 1 } },
  downloads: { signatures: 1, tableCalls: { GetItem: 1 } },
};

const tableAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const tableEndpoint = new URL(process.env.DYNAMODB_ENDPOINT);
let floorItems = 0;

const signers = {
  b: naiveSigners.createObjectUrlSigner(location),
  c: naiveSigners.createReusedClientSigner(location),
  ours: ourSigner.createObjectUrlSigner(location),
  floor: createFloorPresigner({ region: location.region, credentials: STUB_CREDENTIALS }),
};
const floorPut = () =>
  signers.floor.presign({ ...put, host: `${location.bucket}.s3.${location.region}.amazonaws.com`, expiresIn: ttl, signedAt: new Date() });
await assertFloorSignsAsWeDo();

const invoke = (module, event) => async () => {
  // middy's JSON parser replaces `event.body`: each invocation gets a shallow copy of its own (well under 1 µs).
  const result = await module.handler({ ...event }, { functionName: 'bench', awsRequestId: 'bench' });
  if (result.statusCode !== 200) throw new Error(`${event.routeKey} answered ${result.statusCode}: ${result.body}`);
};

const variants = {
  'a-uploads': { run: invoke(uploads, input.events.uploads), iterations: input.iterations.table },
  'a-downloads': { run: invoke(downloads, input.events.downloads), iterations: input.iterations.table },
  b: { run: () => signers.b.presign(session, put, ttl), iterations: input.iterations.slow },
  c: { run: () => signers.c.presign(session, put, ttl), iterations: input.iterations.slow },
  'c-ours': { run: () => signers.ours.presign(session, put, ttl), iterations: input.iterations.fast },
  d: { run: async () => floorPut(), iterations: input.iterations.fast },
  't-put': { run: () => floorTableCall('PutItem'), iterations: input.iterations.table },
  't-get': { run: () => floorTableCall('GetItem'), iterations: input.iterations.table },
};

// Warm-up: the JIT, and the role sessions (one AssumeRole per function, against the stub).
for (const { run } of Object.values(variants)) for (let i = 0; i < input.iterations.warmUp; i += 1) await run();

const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < input.rounds; round += 1) {
  for (const [name, { run, iterations }] of Object.entries(variants)) {
    const perRound = Math.ceil(iterations / input.rounds);
    for (let i = 0; i < perRound; i += 1) {
      const started = process.hrtime.bigint();
      await run();
      samples[name].push(Number(process.hrtime.bigint() - started) / 1000);
    }
  }
}

process.send(
  {
    perUrlMicroseconds: Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, medianAndP99(values)])),
    logPerInvocation: {
      uploads: await logOf(variants['a-uploads'].run),
      downloads: await logOf(variants['a-downloads'].run),
    },
    /** What each route must do at the least: its signatures and table calls. */
    floorWork: FLOOR_WORK,
    floorVerified: true,
  },
  () => process.exit(0),
);

/** The floor must be a real presign: the same URL as our signer for the same request and instant. */
async function assertFloorSignsAsWeDo() {
  const signedAt = Date.parse('2026-11-23T10:00:00Z');
  const ours = await ourSigner.createObjectUrlSigner(location, () => signedAt).presign(session, put, ttl);
  const floor = signers.floor.presign({
    ...put,
    host: `${location.bucket}.s3.${location.region}.amazonaws.com`,
    expiresIn: ttl,
    signedAt: new Date(signedAt),
  });
  if (floor !== ours.url) throw new Error(`the floor presign differs from ours:\n${floor}\n${ours.url}`);
}

/**
 * Answers the handlers' HEAD requests (`node:https` `request`) in-process, as S3 would for the
 * stub object: the bundles import `request` from `node:https`, and `syncBuiltinESMExports`
 * hands them the replacement.
 */
function answerHeadsInProcess() {
  const https = createRequire(import.meta.url)('node:https');
  const response = { statusCode: 200, headers: STUB_HEAD_HEADERS, resume() {} };
  https.request = (_url, _options, onResponse) => {
    const request = new EventEmitter();
    request.end = () => process.nextTick(onResponse, response);
    return request;
  };
  syncBuiltinESMExports();
}

/**
 * Bytes and lines one warm invocation writes to stdout (audit and metric lines), what CloudWatch
 * Logs ingests, and one of them as written, for the report.
 */
async function logOf(run) {
  const write = process.stdout.write;
  let text = '';
  process.stdout.write = function capturingWrite(chunk, ...rest) {
    text += String(chunk);
    return write.call(this, chunk, ...rest);
  };
  const invocations = 100;
  try {
    for (let i = 0; i < invocations; i += 1) await run();
  } finally {
    process.stdout.write = write;
  }
  const lines = text.split('\n').filter((line) => line.length > 0);
  return {
    bytes: Buffer.byteLength(text) / invocations,
    lines: lines.length / invocations,
    sample: lines.slice(-Math.max(1, Math.round(lines.length / invocations))),
  };
}

/**
 * The least a table call can take here: the request body the handler would send, written by hand,
 * over a kept-alive connection; dynalite checks that a request is signed, not the signature, so
 * the signature's own cost is added from row d in the report rather than computed here.
 */
function floorTableCall(operation) {
  // dynalite closes a connection left idle while the other rows run: the first call after that retries on a new one.
  return sendFloorTableCall(operation).catch((error) =>
    error.code === 'ECONNRESET' ? sendFloorTableCall(operation) : Promise.reject(error),
  );
}

function sendFloorTableCall(operation) {
  floorItems += 1;
  const id = `floor${String(floorItems).padStart(17, '0')}`;
  const table = process.env.TABLE_NAME;
  const body =
    operation === 'PutItem'
      ? JSON.stringify({
          TableName: table,
          Item: {
            pk: { S: `FILE#${id}` },
            sk: { S: 'FILE' },
            gsi1pk: { S: 'OWNER#bench' },
            gsi1sk: { S: `2026-12-01T00:00:00.000Z#${id}` },
            id: { S: id },
            owner: { S: 'bench' },
            key: { S: put.key },
            name: { S: 'Holiday photo.jpg' },
            size: { N: '1234' },
            contentType: { S: 'image/jpeg' },
            status: { S: 'pending' },
            createdAt: { S: '2026-12-01T00:00:00.000Z' },
            ttl: { N: '1900000000' },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      : JSON.stringify({
          TableName: table,
          Key: { pk: { S: `FILE#${JSON.parse(input.events.downloads.body).id}` }, sk: { S: 'FILE' } },
          ConsistentRead: true,
        });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: tableEndpoint.hostname,
        port: tableEndpoint.port,
        method: 'POST',
        path: '/',
        agent: tableAgent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'x-amz-date': '20261201T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE/20261201/${process.env.AWS_REGION}/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let answer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (answer += chunk));
        response.on('end', () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`floor ${operation}: ${response.statusCode} ${answer}`)),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
