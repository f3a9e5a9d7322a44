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
import { ALICE, aKey, anApiEvent, anUploadRequest, OBJECT_ID } from '../test/builders';
import { startAwsStubs } from './aws-stubs.mjs';
import { buildBundles, bundleBytes, compositionOf } from './bundles.mjs';
import { measureBundles } from './cold-starts.mjs';
import { cpuShare, costPerMillion, PRICES } from './cost.mjs';
import { BENCH_TABLE_NAME, startFileTable } from './file-table.mjs';
import { runInFreshProcess } from './fresh-process.mjs';
import { measureHttpLoad } from './http-load.mjs';
import { startNetworkDelay } from './network-delay.mjs';
import { createBenchCertificate } from './tls-certificate.mjs';
import { nodeVersions } from './node-versions.mjs';
import { requestUnitsOf, routeFloor } from './route-floor.mjs';
import { formatReport, verdictAtLeast, verdictAtMost } from './report.mjs';

const quick = process.argv.includes('--quick');
const SETTINGS = quick
  ? { iterations: { fast: 200, slow: 50, table: 100, warmUp: 20 }, rounds: 2, coldStarts: 1, http: { connections: [1, 8], seconds: 1 } }
  : {
      iterations: { fast: 20_000, slow: 4_000, table: 2_000, warmUp: 500 },
      rounds: 10,
      coldStarts: 8,
      http: { connections: [1, 8, 32], seconds: 3 },
    };
/** Section 3's synthetic hour. URL lifetimes are the default limits'; sessions last the role's hour. */
const WORKLOAD = { users: 1000, requests: 100_000, seconds: 3600, ttlSeconds: { uploads: 600, downloads: 300 }, sessionSeconds: 3600 };
/**
 * What a route waits in AWS on each of its table calls, for the cost only: not measurable offline
 * (estimate; DynamoDB's single-digit ms). The loopback calls inside the measured work are not DynamoDB's latency.
 */
const ASSUMED_TABLE_CALL_MS = 10;
/**
 * Table calls our routes make beyond their floor's (`bench/url-issue.mjs`), for the cost: none
 * since a download of one's own file reads the suspension once (the owner's is read only for
 * someone else's file).
 */
const BEYOND_FLOOR = { uploads: [], downloads: [] };
/** The memory sizes the cost compares. */
const MEMORY_CANDIDATES_MB = [256, 512];
/** The simulated network's delay each way, on every call to STS and the table in section 2's network rows. */
const NETWORK_ONE_WAY_MS = 10;
/** The handlers' plan in the bench: room for every URL it asks for (issue 13's limits at their bounds). */
const BENCH_PLAN = {
  uploadUrlsPerMinute: 100_000,
  downloadUrlsPerMinute: 100_000,
  maxPendingUploads: 1000,
  maxFiles: 1_000_000,
  storageQuotaBytes: 2 ** 50,
};

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
const tls = createBenchCertificate(new URL('out/tls', import.meta.url).pathname);
const stubs = await startAwsStubs(tls);
/** The file the download requests name: available, as the verifier leaves it. */
const downloadRecord = {
  id: OBJECT_ID,
  owner: ALICE,
  key: aKey(ALICE, 'Holiday-photo.jpg'),
  name: 'Holiday photo.jpg',
  size: 1234,
  contentType: 'image/jpeg',
};
const table = await startFileTable({ region: PRICES.region, record: downloadRecord, tls }).catch(async (error) => {
  await stubs.stop();
  throw error;
});
const network = {
  sts: await startNetworkDelay(stubs.endpoint, NETWORK_ONE_WAY_MS),
  table: await startNetworkDelay(table.endpoint, NETWORK_ONE_WAY_MS),
};
const nodes = nodeVersions();
const events = {
  uploads: anApiEvent({ body: anUploadRequest() }),
  downloads: anApiEvent({ routeKey: 'POST /downloads', body: { id: downloadRecord.id } }),
};
let deletedFiles = 0;
/** Section 2's events, for every function on the request path: a delete's names a file of its own, written first. */
const coldStartEvents = {
  ...events,
  deletes: async () => {
    deletedFiles += 1;
    const id = `${OBJECT_ID.slice(0, -6)}${String(deletedFiles).padStart(6, '0')}`;
    await table.addAvailable({ ...downloadRecord, id, key: downloadRecord.key.replace(OBJECT_ID, id) });
    return anApiEvent({ routeKey: 'DELETE /files/{id}', pathParameters: { id } });
  },
  health: anApiEvent({ routeKey: 'GET /health' }),
};
/**
 * A function's environment, as the construct and Lambda set it, with STS (and, given an endpoint,
 * S3) on the loopback stubs and the file table on loopback dynalite.
 */
const functionEnvironment = (s3Endpoint, { sts = stubs.endpoint, dynamoDb = table.endpoint } = {}) => ({
  AWS_REGION: PRICES.region,
  AWS_ACCESS_KEY_ID: 'AKIDBENCHEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-not-a-real-key',
  AWS_SESSION_TOKEN: 'bench-execution-role-token',
  AWS_ENDPOINT_URL_STS: sts,
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  // The stand-ins' certificate, trusted as Lambda trusts AWS's endpoints.
  NODE_EXTRA_CA_CERTS: tls.certFile,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  BUCKET_NAME: 'secure-file-service-bench',
  TABLE_NAME: BENCH_TABLE_NAME,
  DYNAMODB_ENDPOINT: dynamoDb,
  URL_SUFFIX: 'amazonaws.com',
  SIGNING_ROLE_ARN: 'arn:aws:iam::111122223333:role/bench-signer',
  // A plan no run of the bench fills: its figures are the cost of the quota's writes, never a refusal.
  FILE_SERVICE_SETTINGS: JSON.stringify({ defaultPlan: BENCH_PLAN }),
  // As the construct and Lambda set them: the line's `service` as deployed, and the function's name, which keeps it out of the line.
  POWERTOOLS_SERVICE_NAME: built.deployed.uploads.serviceName,
  AWS_LAMBDA_FUNCTION_NAME: 'SecureFileService-FileServiceFunction',
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
    // Quick runs check the bench, not the levers: those run in full runs only.
    levers: quick ? {} : built.levers,
    events: coldStartEvents,
    env: (simulatedNetwork) =>
      functionEnvironment(stubs.endpoint, simulatedNetwork ? { sts: network.sts.endpoint, dynamoDb: network.table.endpoint } : {}),
    runs: SETTINGS.coldStarts,
    nodes,
  });
  log('3/4 role-session cache…');
  const sessionCache = await runInFreshProcess('session-cache.mjs', {
    env: { BENCH_INPUT: JSON.stringify({ modules: built.modules, workload: WORKLOAD }) },
  });
  log('4/4 over HTTP (local mode)…');
  const http = await measureHttpLoad(SETTINGS.http);

  // Every function of the registry, by size; cold starts need a naive twin and an event, which only the signers have.
  const bundleSizes = Object.fromEntries(Object.entries(built.all).map(([name, file]) => [name, bundleBytes(file)]));
  const deployedMb = built.deployed.uploads.memoryMb;
  // The deployed memory beside the other candidate: the cheaper is kept unless its p99 suffers.
  const cost = Object.fromEntries(
    [deployedMb, ...MEMORY_CANDIDATES_MB.filter((mb) => mb !== deployedMb)].map((mb) => [mb, costOf({ urlIssue, bundles, memoryMb: mb })]),
  );
  results = {
    machine: { ...machine, durationSeconds: (performance.now() - started) / 1000 },
    settings: { ...SETTINGS, quick },
    urlIssue,
    bundles,
    bundleSizes,
    // The deployed build is the lever with every lever (byte for byte, checked by buildBundles).
    composition: Object.fromEntries(
      Object.keys(built.levers.splittingAndCredentials).map((name) => [
        name,
        { ours: compositionOf(built.levers.splittingAndCredentials[name]), careful: compositionOf(built.naive.careful[name]) },
      ]),
    ),
    sessionCache,
    http,
    quotaWrites: await (await import('./quota-writes.mjs')).measureQuotaWrites({ quick }),
    cost,
    prices: PRICES,
    targets: targetsOf({ urlIssue, bundles, sessionCache, http }),
  };
} finally {
  await network.sts.stop();
  await network.table.stop();
  await stubs.stop();
  await table.stop();
}

const report = formatReport(results).join('\n');
console.log(report);
const resultsFile = quick ? 'out/results-quick.json' : 'results.json';
fs.writeFileSync(new URL(resultsFile, import.meta.url), `${JSON.stringify({ ...results, report }, null, 2)}\n`);
log(`wrote bench/${resultsFile} in ${results.machine.durationSeconds.toFixed(0)} s`);

/** A route's floor, µs (`bench/route-floor.mjs`). */
function floorOf(urlIssue, name) {
  return routeFloor(urlIssue, name).us;
}

/** The runtime's Node.js: the first measured (Node 24 where it installs). */
function runtimeNode(bundles) {
  return Object.keys(bundles.byNode)[0];
}

/** Cost per million URLs at `memoryMb`, from the measured work and log bytes; p99 and cold start scaled the same way. */
function costOf({ urlIssue, bundles, memoryMb }) {
  const perUrl = urlIssue.perUrlMicroseconds;
  const logOf = urlIssue.logPerInvocation;
  const node = runtimeNode(bundles);
  const work = { uploads: perUrl['a-uploads'], downloads: perUrl['a-downloads'] };
  // The loopback table calls' own round trips (their floor, t) are replaced by DynamoDB's assumed latency.
  const callsOf = (name) => [...urlIssue.floorWork[name].tableCalls, ...BEYOND_FLOOR[name]];
  const loopbackTableMs = Object.fromEntries(
    ['uploads', 'downloads'].map((name) => [name, callsOf(name).reduce((sum, call) => sum + perUrl[`t-${call}`].median, 0) / 1000]),
  );
  const waitMs = Object.fromEntries(['uploads', 'downloads'].map((name) => [name, callsOf(name).length * ASSUMED_TABLE_CALL_MS]));
  const byFunction = Object.fromEntries(
    ['uploads', 'downloads'].map((name) => {
      const issued = costPerMillion({
        workMs: Math.max(0, work[name].median / 1000 - loopbackTableMs[name]),
        waitMs: waitMs[name],
        memoryMb,
        logBytes: logOf[name].bytes,
        tableReadsPerUrl: requestUnitsOf(urlIssue, callsOf(name)).reads,
        tableWritesPerUrl: requestUnitsOf(urlIssue, callsOf(name)).writes,
      });
      const cold = bundles.byNode[node].functions[name].builds.ours.inProcess;
      return [
        name,
        {
          ...issued,
          workMs: Math.max(0, work[name].median / 1000 - loopbackTableMs[name]),
          waitMs: waitMs[name],
          tableReads: requestUnitsOf(urlIssue, callsOf(name)).reads,
          tableWrites: requestUnitsOf(urlIssue, callsOf(name)).writes,
          logBytes: logOf[name].bytes,
          p99Ms: Math.max(0, work[name].p99 / 1000 - loopbackTableMs[name]) / cpuShare(memoryMb) + waitMs[name],
          coldStartMs: cold.coldStartMs / cpuShare(memoryMb),
          perMillionColdStarts: (cold.importMs / cpuShare(memoryMb) / 1000) * (memoryMb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6,
        },
      ];
    }),
  );
  return { memoryMb, cpuShare: cpuShare(memoryMb), assumedTableCallMs: ASSUMED_TABLE_CALL_MS, ...byFunction };
}

function targetsOf({ urlIssue, bundles, sessionCache, http }) {
  const median = (name) => urlIssue.perUrlMicroseconds[name].median;
  const naiveOverOurs = { uploads: median('b') / median('a-uploads'), downloads: median('b') / median('a-downloads') };
  const oursOverFloor = {
    uploads: median('a-uploads') / floorOf(urlIssue, 'uploads'),
    downloads: median('a-downloads') / floorOf(urlIssue, 'downloads'),
  };
  const worst = (verdicts) => verdicts.find((verdict) => verdict !== 'met') ?? 'met';
  const coldStarts = Object.fromEntries(
    Object.entries(bundles.byNode).map(([node, { functions }]) => [
      node,
      Object.fromEntries(
        Object.entries(functions).map(([name, { builds }]) => {
          const ratio = (mode, build) => builds.ours[mode].coldStartMs / builds[build][mode].coldStartMs;
          const spawn = (build) => builds.ours.spawnToExitMs / builds[build].spawnToExitMs;
          return [
            name,
            {
              vsCareful: { inProcess: ratio('inProcess', 'careful'), network: ratio('network', 'careful'), spawnToExit: spawn('careful') },
              vsDefaults: {
                inProcess: ratio('inProcess', 'defaults'),
                network: ratio('network', 'defaults'),
                spawnToExit: spawn('defaults'),
              },
              verdict: verdictAtMost(ratio('inProcess', 'careful'), 0.5),
            },
          ];
        }),
      ),
    ]),
  );
  return {
    naiveOverOurs: { ...naiveOverOurs, verdict: worst(Object.values(naiveOverOurs).map((ratio) => verdictAtLeast(ratio, 5))) },
    oursOverFloor: { ...oursOverFloor, verdict: worst(Object.values(oursOverFloor).map((ratio) => verdictAtMost(ratio, 3.5))) },
    coldStarts,
    logLines: {
      uploads: urlIssue.logPerInvocation.uploads,
      downloads: urlIssue.logPerInvocation.downloads,
      verdict: worst([
        verdictAtMost(urlIssue.logPerInvocation.uploads.bytes, 600, ' B'),
        verdictAtMost(urlIssue.logPerInvocation.uploads.lines, 1, ' lines'),
        verdictAtMost(urlIssue.logPerInvocation.downloads.lines, 1, ' lines'),
      ]),
    },
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
