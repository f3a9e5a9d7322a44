/**
 * Section 1: the cost of issuing one URL, warm and in-process, forked by `bench/run.mjs` with
 * the functions' environment (STS pointing at the loopback stub) and stdout discarded (the
 * handlers' log lines are written, as in Lambda, just not kept).
 *
 * - a: the deployed bundles' `handler(event, context)`, role session cached, their table calls
 *   over HTTPS to loopback dynalite;
 * - b: a new `S3Client` and `getSignedUrl(new PutObjectCommand(…))` per URL (`bench/naive/`);
 * - c: the same with the client reused;
 * - c′: our signer alone (`lambdas/shared/object-urls.ts`), the presigner reused;
 * - d: the floor, a hand-written SigV4 presign (`bench/sigv4-floor.mjs`), first proven to give
 *   the very URL our signer gives;
 * - t-{call}: the floor of each table call a route makes (`FLOOR_CALLS`: the upload's `PutItem`, a
 *   new id each time as its condition needs, the download's `GetItem`, the suspension read), the
 *   request the handlers send, hand-serialized, over one kept-alive HTTPS connection to the
 *   same dynalite: the round trip and dynalite's own work, no SDK. A route's floor
 *   (`bench/route-floor.mjs`) is its signatures × d plus its table calls (`FLOOR_WORK`) × (t + d,
 *   the call's own signature).
 *
 * Variants run in interleaved rounds so that the machine's noise falls on all of them alike.
 */
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import { pathToFileURL } from 'node:url';
import { medianAndP99 } from './percentiles.mjs';
import { STUB_CREDENTIALS } from './aws-stubs.mjs';
import { createFloorPresigner } from './sigv4-floor.mjs';
import { FLOOR_WORK, floorCalls, sendFloorTableCall, uploaderOf } from './floor-calls.mjs';

const input = JSON.parse(process.env.BENCH_INPUT);
const importFile = (file) => import(pathToFileURL(file).href);

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

const FLOOR_CALLS = floorCalls({ downloadId: JSON.parse(input.events.downloads.body).id, objectKey: put.key });

// NODE_EXTRA_CA_CERTS (the stand-ins' certificate) is trusted by every agent of this process.
const tableAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
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
  // A request id as long as AWS's longest (a UUID, 36 B: Lambda's, a REST API's; an HTTP API's is shorter): the builders'
  // `req-123` would hide 29 B of every log line measured below.
  const requestId = randomUUID();
  const result = await module.handler(
    { ...event, requestContext: { ...event.requestContext, requestId } },
    { functionName: 'bench', awsRequestId: requestId },
  );
  if (result.statusCode !== 200) throw new Error(`${event.routeKey} answered ${result.statusCode}: ${result.body}`);
};

// Upload URLs come from the pool of users the floor's reservations go round too (`bench/floor-calls.mjs`).
let uploadsIssued = 0;
const invokeAsUploaders = (module, event) => () => {
  const sub = uploaderOf((uploadsIssued += 1));
  const { jwt } = event.requestContext.authorizer;
  return invoke(module, {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: { ...event.requestContext.authorizer, jwt: { ...jwt, claims: { ...jwt.claims, sub } } },
    },
  })();
};

const variants = {
  'a-uploads': { run: invokeAsUploaders(uploads, input.events.uploads), iterations: input.iterations.table },
  'a-downloads': { run: invoke(downloads, input.events.downloads), iterations: input.iterations.table },
  b: { run: () => signers.b.presign(session, put, ttl), iterations: input.iterations.slow },
  c: { run: () => signers.c.presign(session, put, ttl), iterations: input.iterations.slow },
  'c-ours': { run: () => signers.ours.presign(session, put, ttl), iterations: input.iterations.fast },
  d: { run: async () => floorPut(), iterations: input.iterations.fast },
  ...Object.fromEntries(
    Object.keys(FLOOR_CALLS).map((call) => [`t-${call}`, { run: () => floorTableCall(call), iterations: input.iterations.table }]),
  ),
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
    /** What each route must do at the least: its signatures and table calls, and what each call is. */
    floorWork: FLOOR_WORK,
    floorCalls: Object.fromEntries(Object.entries(FLOOR_CALLS).map(([call, { fields: _fields, ...facts }]) => [call, facts])),
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
function floorTableCall(call) {
  // dynalite closes a connection left idle while the other rows run: the first call after that retries on a new one.
  const send = () => {
    floorItems += 1;
    const id = `floor${String(floorItems).padStart(17, '0')}`;
    return sendFloorTableCall({ agent: tableAgent, endpoint: tableEndpoint, calls: FLOOR_CALLS, call, id, n: floorItems });
  };
  return send().catch((error) => (error.code === 'ECONNRESET' ? send() : Promise.reject(error)));
}
