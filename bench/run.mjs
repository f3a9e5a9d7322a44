/**
 * `npm run bench`: URL-issue cost, bundle size and cold start, the role-session cache, load over
 * HTTP and cost, each figure beside a baseline measured in the same run on the same machine.
 * Prints the report (Markdown) and writes `bench/results.json`; artefacts go to `bench/out/`.
 *
 * Run with tsx: it imports the test builders' TypeScript for the API Gateway events. Every
 * measurement runs in a fresh plain `node` process (`bench/fresh-process.mjs`), except local
 * mode, which is TypeScript too.
 *
 * `--quick` runs every section with few iterations, to check the bench itself (CI does), and
 * writes `bench/out/results-quick.json` instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { gzipSync } from 'node:zlib';
import { ALICE, aKey, anApiEvent, anUploadRequest, OBJECT_ID } from '../test/builders';
import { startAwsStubs } from './aws-stubs.mjs';
import { buildBundles } from './bundles.mjs';
import { measureBundles } from './cold-starts.mjs';
import { cpuShare, costPerMillion, PRICES } from './cost.mjs';
import { BENCH_TABLE_NAME, startFileTable } from './file-table.mjs';
import { runInFreshProcess } from './fresh-process.mjs';
import { measureHttpLoad } from './http-load.mjs';
import { formatReport, verdictAtLeast, verdictAtMost } from './report.mjs';

const quick = process.argv.includes('--quick');
const SETTINGS = quick
  ? { iterations: { fast: 200, slow: 50, warmUp: 20 }, rounds: 2, coldStarts: 2, http: { connections: [1, 8], seconds: 1 } }
  : { iterations: { fast: 20_000, slow: 4_000, warmUp: 500 }, rounds: 10, coldStarts: 12, http: { connections: [1, 8, 32], seconds: 3 } };
/** Section 3's synthetic hour. URL lifetimes are the default limits'; sessions last the role's hour. */
const WORKLOAD = { users: 1000, requests: 100_000, seconds: 3600, ttlSeconds: { uploads: 600, downloads: 300 }, sessionSeconds: 3600 };
/**
 * What a download waits in AWS on its record's `GetItem` (it made a HEAD to S3 before the file
 * records), for the cost only: not measurable offline (estimate; DynamoDB's single-digit ms).
 */
const ASSUMED_TABLE_READ_MS = 10;

const started = performance.now();
const machine = {
  cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
  cores: os.availableParallelism(),
  node: process.version,
  os: `${os.type()} ${os.release()}`,
  loadAverage: os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' '),
  date: new Date().toISOString().slice(0, 10),
};
const log = (message) => process.stderr.write(`bench: ${message}\n`);

log('building bundles (CDK synth, naive builds)…');
const built = await buildBundles();
const stubs = await startAwsStubs();
/** The file the download requests name: available, as the verifier leaves it. */
const downloadRecord = {
  id: OBJECT_ID,
  owner: ALICE,
  key: aKey(ALICE, 'Holiday-photo.jpg'),
  name: 'Holiday photo.jpg',
  size: 1234,
  contentType: 'image/jpeg',
};
const table = await startFileTable({ region: PRICES.region, record: downloadRecord }).catch(async (error) => {
  await stubs.stop();
  throw error;
});
const events = {
  uploads: anApiEvent({ body: anUploadRequest() }),
  downloads: anApiEvent({ routeKey: 'POST /downloads', body: { id: downloadRecord.id } }),
};
/**
 * A function's environment, as the construct and Lambda set it, with STS (and, given an endpoint,
 * S3) on the loopback stubs and the file table on loopback dynalite.
 */
const functionEnvironment = (s3Endpoint) => ({
  AWS_REGION: PRICES.region,
  AWS_ACCESS_KEY_ID: 'AKIDBENCHEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-not-a-real-key',
  AWS_SESSION_TOKEN: 'bench-execution-role-token',
  AWS_ENDPOINT_URL_STS: stubs.endpoint,
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  BUCKET_NAME: 'secure-file-service-bench',
  TABLE_NAME: BENCH_TABLE_NAME,
  DYNAMODB_ENDPOINT: table.endpoint,
  URL_SUFFIX: 'amazonaws.com',
  SIGNING_ROLE_ARN: 'arn:aws:iam::111122223333:role/bench-signer',
  FILE_SERVICE_SETTINGS: '{}',
  POWERTOOLS_SERVICE_NAME: 'bench',
  ...(s3Endpoint && { S3_ENDPOINT: s3Endpoint }),
});

let results;
try {
  log('1/4 per URL issued, warm, in-process…');
  const urlIssue = await runInFreshProcess('url-issue.mjs', {
    env: {
      ...functionEnvironment(),
      BENCH_INPUT: JSON.stringify({
        bundles: built.ours,
        modules: built.modules,
        events,
        iterations: SETTINGS.iterations,
        rounds: SETTINGS.rounds,
      }),
    },
  });
  log('2/4 bundles and cold starts…');
  const bundles = await measureBundles({
    ours: built.ours,
    naive: built.naive,
    events,
    env: () => functionEnvironment(stubs.endpoint),
    runs: SETTINGS.coldStarts,
  });
  log('3/4 role-session cache…');
  const sessionCache = await runInFreshProcess('session-cache.mjs', {
    env: { BENCH_INPUT: JSON.stringify({ modules: built.modules, workload: WORKLOAD }) },
  });
  log('4/4 over HTTP (local mode)…');
  const http = await measureHttpLoad(SETTINGS.http);

  // Every function of the registry, by size; cold starts need a naive twin and an event, which only the signers have.
  const bundleSizes = Object.fromEntries(
    Object.entries(built.all).map(([name, file]) => {
      const code = fs.readFileSync(file);
      return [name, { bytes: code.length, gzipBytes: gzipSync(code).length }];
    }),
  );
  const cost = costOf({ urlIssue, bundles, memoryMb: built.deployed.uploads.memoryMb });
  results = {
    machine: { ...machine, durationSeconds: (performance.now() - started) / 1000 },
    settings: { ...SETTINGS, quick },
    urlIssue,
    bundles,
    bundleSizes,
    sessionCache,
    http,
    cost,
    prices: PRICES,
    targets: targetsOf({ urlIssue, bundles, sessionCache, http }),
  };
} finally {
  await stubs.stop();
  await table.stop();
}

const report = formatReport(results).join('\n');
console.log(report);
const resultsFile = quick ? 'out/results-quick.json' : 'results.json';
fs.writeFileSync(new URL(resultsFile, import.meta.url), `${JSON.stringify({ ...results, report }, null, 2)}\n`);
log(`wrote bench/${resultsFile} in ${results.machine.durationSeconds.toFixed(0)} s`);

function costOf({ urlIssue, bundles, memoryMb }) {
  const perUrl = urlIssue.perUrlMicroseconds;
  const logBytes = urlIssue.logBytesPerInvocation;
  const uploads = costPerMillion({ workMs: perUrl['a-uploads'].median / 1000, memoryMb, logBytes: logBytes.uploads });
  const downloads = costPerMillion({
    workMs: perUrl['a-downloads'].median / 1000,
    waitMs: ASSUMED_TABLE_READ_MS,
    memoryMb,
    logBytes: logBytes.downloads,
    tableReadsPerUrl: 1,
  });
  const initMs = { uploads: bundles.uploads.ours.importMs, downloads: bundles.downloads.ours.importMs };
  const perMillionColdStarts = (importMs) => (importMs / cpuShare(memoryMb) / 1000) * (memoryMb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6;
  return {
    memoryMb,
    cpuShare: cpuShare(memoryMb),
    uploads: { ...uploads, workMs: perUrl['a-uploads'].median / 1000, waitMs: 0, logBytes: logBytes.uploads },
    downloads: { ...downloads, workMs: perUrl['a-downloads'].median / 1000, waitMs: ASSUMED_TABLE_READ_MS, logBytes: logBytes.downloads },
    initMs,
    perMillionColdStarts: { uploads: perMillionColdStarts(initMs.uploads), downloads: perMillionColdStarts(initMs.downloads) },
  };
}

function targetsOf({ urlIssue, bundles, sessionCache, http }) {
  const median = (name) => urlIssue.perUrlMicroseconds[name].median;
  const naiveOverOurs = { uploads: median('b') / median('a-uploads'), downloads: median('b') / median('a-downloads') };
  const oursOverFloor = { uploads: median('a-uploads') / median('d'), downloads: median('a-downloads') / median('d') };
  const worst = (verdicts) => verdicts.find((verdict) => verdict !== 'met') ?? 'met';
  return {
    naiveOverOurs: { ...naiveOverOurs, verdict: worst(Object.values(naiveOverOurs).map((ratio) => verdictAtLeast(ratio, 5))) },
    oursOverFloor: { ...oursOverFloor, verdict: worst(Object.values(oursOverFloor).map((ratio) => verdictAtMost(ratio, 10))) },
    bundles: Object.fromEntries(
      Object.entries(bundles).map(([name, { ours, naive }]) => [
        name,
        {
          bytes: verdictAtMost(ours.bytes / naive.bytes, 0.5),
          coldStart: verdictAtMost(ours.coldStartMs / naive.coldStartMs, 0.5),
          coldStartStretch: verdictAtMost(ours.coldStartMs / naive.coldStartMs, 0.25),
        },
      ]),
    ),
    sessionCache: {
      verdict: worst(
        Object.values(sessionCache.byFunction).map(({ maxCallsPerUser, shortestMinutesBetweenCalls, reuseMinutes }) =>
          // Two calls in the hour at most, and never closer than the reuse rule allows (49 min for 600 s URLs: "~50").
          maxCallsPerUser <= 2 && (shortestMinutesBetweenCalls === null || shortestMinutesBetweenCalls >= reuseMinutes) ? 'met' : 'missed',
        ),
      ),
    },
    httpAll2xx: http.rows.every((row) => row.non2xx === 0 && row.errors === 0),
  };
}
