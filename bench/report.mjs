/**
 * The bench's results as Markdown tables, each figure beside its baseline and each target with
 * its verdict: printed by `npm run bench` and pasted into bench/README.md (Latest run; the README keeps a summary).
 */
import { PLATFORM_LOG_BYTES, PRICES, RECORD_ASSUMPTIONS, RECORD_PRICES, recordsCostPerMillionUploads } from './cost.mjs';

const us = (value) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const ms = (value) => value.toFixed(1);
const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const times = (ratio) => `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
const dollars = (value) => (value === 0 ? '$0.00' : value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`);
const percent = (fraction) => `${(fraction * 100).toFixed(2)} %`;
const table = (header, rows) => [
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...rows.map((row) => `| ${row.join(' | ')} |`),
];

/** "met" or "missed by …", for a value that must stay at or below `limit`. */
export function verdictAtMost(value, limit, unit = '×') {
  return value <= limit ? 'met' : `missed by ${((value / limit - 1) * 100).toFixed(0)} % (${value.toFixed(2)}${unit} > ${limit}${unit})`;
}

/** "met" or "missed by …", for a value that must reach at least `limit`. */
export function verdictAtLeast(value, limit, unit = '×') {
  return value >= limit ? 'met' : `missed by ${((1 - value / limit) * 100).toFixed(0)} % (${value.toFixed(2)}${unit} < ${limit}${unit})`;
}

const URL_ROWS = {
  'a-uploads': 'a. ours: `uploads` handler, POST /uploads (bundle, role session cached, record written to loopback dynalite)',
  'a-downloads': 'a. ours: `downloads` handler, POST /downloads (bundle, session cached, record read from loopback dynalite)',
  b: 'b. naive: new `S3Client` + `getSignedUrl(PutObjectCommand)` per URL',
  c: 'c. SDK: `S3Client` reused + `getSignedUrl(PutObjectCommand)`',
  'c-ours': 'c′. our signer alone: `S3RequestPresigner` reused, hand-built request',
  d: 'd. floor: hand-written SigV4 presign, `node:crypto`, signing key cached (yardstick)',
};

/** The whole report, as lines of Markdown. */
export function formatReport(results) {
  const { machine, urlIssue, bundles, bundleSizes, sessionCache, http, cost, targets } = results;
  const lines = [];
  lines.push(
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, Node.js ${machine.node}, ${machine.os}; load average ${machine.loadAverage} at start. ${machine.date}; \`npm run bench\` took ${machine.durationSeconds.toFixed(0)} s.`,
    '',
  );

  const perUrl = urlIssue.perUrlMicroseconds;
  lines.push('**1. Per URL issued, warm, in-process** (µs per URL; interleaved rounds)', '');
  lines.push(
    ...table(
      ['', 'median', 'p99', 'samples', 'median vs a (uploads)'],
      Object.entries(URL_ROWS).map(([name, label]) => [
        label,
        us(perUrl[name].median),
        us(perUrl[name].p99),
        String(perUrl[name].samples),
        times(perUrl[name].median / perUrl['a-uploads'].median),
      ]),
    ),
    '',
  );
  lines.push(
    `- b / a: uploads ${times(targets.naiveOverOurs.uploads)}, downloads ${times(targets.naiveOverOurs.downloads)} — target ≥ 5×: ${targets.naiveOverOurs.verdict}`,
    `- a / d: uploads ${times(targets.oursOverFloor.uploads)}, downloads ${times(targets.oursOverFloor.downloads)} — target ≤ 10×: ${targets.oursOverFloor.verdict}`,
    `- The floor signs the very URL our signer signs for the same request (checked in the run).`,
    '',
  );

  lines.push(
    `**2. Bundles and cold start** (cold start: import + first invocation in a fresh \`node\`, median of ${bundles.uploads.ours.runs} runs, ours and naive alternating; STS on a loopback stub, the file table on loopback dynalite)`,
    '',
  );
  lines.push(
    ...table(
      [
        'function',
        'build',
        'bytes',
        'gzip',
        'import ms',
        'first invocation ms',
        'cold start ms',
        'CPU ms',
        'bytes vs naive',
        'cold start vs naive',
      ],
      Object.entries(bundles).flatMap(([name, { ours, naive }]) =>
        [
          ['ours', ours],
          ['naive', naive],
        ].map(([build, measured]) => [
          `\`${name}\``,
          build === 'ours' ? 'ours (deployed bundle)' : 'naive (CJS, not minified, whole `S3Client`)',
          kB(measured.bytes),
          kB(measured.gzipBytes),
          ms(measured.importMs),
          ms(measured.firstInvocationMs),
          ms(measured.coldStartMs),
          ms(measured.coldStartCpuMs),
          times(measured.bytes / naive.bytes),
          times(measured.coldStartMs / naive.coldStartMs),
        ]),
      ),
    ),
    '',
  );
  for (const [name, verdicts] of Object.entries(targets.bundles)) {
    lines.push(
      `- \`${name}\`: bytes ≤ ½ naive: ${verdicts.bytes}; cold start ≤ ½ naive: ${verdicts.coldStart} (stretch ¼: ${verdicts.coldStartStretch})`,
    );
  }
  lines.push('');
  lines.push(
    'Every function of the registry, as deployed (the cold starts above are the two that sign for clients; the others have no naive twin to compare with):',
    '',
    ...table(
      ['function', 'bytes', 'gzip'],
      Object.entries(bundleSizes).map(([name, size]) => [`\`${name}\``, kB(size.bytes), kB(size.gzipBytes)]),
    ),
    '',
  );

  const { workload } = sessionCache;
  lines.push(
    `**3. Role-session cache** (one warm instance per function; ${workload.users.toLocaleString('en')} users, Zipf s = 1, ${workload.requests.toLocaleString('en')} requests over ${workload.seconds / 60} simulated minutes, half uploads, half downloads; baseline without the cache: one STS call per request)`,
    '',
  );
  lines.push(
    ...table(
      [
        'function',
        'URL TTL',
        'requests',
        'active users',
        'STS calls',
        'hit ratio',
        'STS calls vs no cache',
        'max calls per user',
        'shortest gap between a user’s calls',
        'reuse rule allows',
      ],
      Object.entries(sessionCache.byFunction).map(([name, result]) => [
        `\`${name}\``,
        `${workload.ttlSeconds[name]} s`,
        result.requests.toLocaleString('en'),
        result.activeUsers.toLocaleString('en'),
        result.stsCalls.toLocaleString('en'),
        percent(result.hitRatio),
        percent(result.stsCalls / result.requests),
        String(result.maxCallsPerUser),
        result.shortestMinutesBetweenCalls === null ? '—' : `${result.shortestMinutesBetweenCalls.toFixed(1)} min`,
        `${result.reuseMinutes} min`,
      ]),
    ),
    '',
    `- ≤ 1 STS call per user per role per ~50 minutes per warm instance: ${targets.sessionCache.verdict}`,
    '',
  );

  lines.push(
    `**4. Over HTTP** (local mode on loopback, alice signed in; autocannon, ${http.seconds} s per row, percentiles at its 1 ms resolution; the server and the load generator share the machine)`,
    '',
  );
  lines.push(
    ...table(
      ['route', 'connections', 'URLs/s', 'mean ms', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
      http.rows.map((row) => [
        `\`${row.route}\``,
        String(row.connections),
        row.urlsPerSecond.toFixed(0),
        row.meanMs.toFixed(2),
        String(row.p50Ms),
        String(row.p99Ms),
        row.requests.toLocaleString('en'),
        String(row.non2xx),
        String(row.errors),
      ]),
    ),
    '',
    `- STS calls during the load: ${http.stsCallsDuringLoad} for ${http.rows.reduce((sum, row) => sum + row.requests, 0).toLocaleString('en')} requests (one user: at most one per role).`,
    '',
  );

  lines.push(
    `**5. Cost per million URLs** (${PRICES.region} list prices as of ${PRICES.asOf}, before free tiers; arm64, ${cost.memoryMb} MB)`,
    '',
  );
  const costRow = (label, item) => [label, dollars(cost.uploads.items[item]), dollars(cost.downloads.items[item])];
  lines.push(
    ...table(
      ['item', 'uploads', 'downloads'],
      [
        costRow(`HTTP API requests ($${PRICES.httpApiPerMillion.toFixed(2)} per million)`, 'httpApi'),
        costRow(`Lambda requests ($${PRICES.lambdaRequestsPerMillion.toFixed(2)} per million)`, 'lambdaRequests'),
        [
          `Lambda duration ($${PRICES.lambdaArmPerGbSecond}/GB-s), billed ms per invocation`,
          `${dollars(cost.uploads.items.lambdaDuration)} (${cost.uploads.billedMs} ms)`,
          `${dollars(cost.downloads.items.lambdaDuration)} (${cost.downloads.billedMs} ms)`,
        ],
        costRow(
          `the download's record \`GetItem\`, 1 strongly consistent read unit ($${RECORD_PRICES.dynamoReadPerMillion} per million; no S3 HEAD any more)`,
          'tableReads',
        ),
        [
          `CloudWatch Logs ($${PRICES.logsPerGb.toFixed(2)}/GB): measured lines + ~${PLATFORM_LOG_BYTES} B of Lambda's own`,
          `${dollars(cost.uploads.items.logs)} (${cost.uploads.logBytes.toFixed(0)} B)`,
          `${dollars(cost.downloads.items.logs)} (${cost.downloads.logBytes.toFixed(0)} B)`,
        ],
        costRow('STS `AssumeRole` (free)', 'sts'),
        ['**total**', `**${dollars(cost.uploads.total)}**`, `**${dollars(cost.downloads.total)}**`],
      ],
    ),
    '',
    `- Duration: the measured median time of a warm invocation (section 1: uploads ${us(cost.uploads.workMs * 1000)} µs, downloads ${us(cost.downloads.workMs * 1000)} µs, on a whole core) scaled to ${cost.memoryMb} MB's share of a vCPU (~${(cost.cpuShare * 100).toFixed(0)} %, estimate), plus for downloads an assumed ${cost.downloads.waitMs} ms waiting on the record's \`GetItem\` (estimate; not measurable offline; the upload's \`PutItem\` to loopback dynalite is inside its measured time, DynamoDB's own latency is not): ${cost.uploads.lambdaMs.toFixed(2)} ms and ${cost.downloads.lambdaMs.toFixed(2)} ms. Lambda bills per 1 ms, rounded up, so sub-millisecond work bills as 1 ms.`,
    `- A cold start adds its INIT (billed since August 2025): the measured import, ${ms(cost.initMs.uploads)} ms (uploads) and ${ms(cost.initMs.downloads)} ms (downloads) here, scaled the same way, is ${dollars(cost.perMillionColdStarts.uploads)} and ${dollars(cost.perMillionColdStarts.downloads)} per million cold starts (estimate).`,
  );
  lines.push('', ...formatRecordsCost());
  return lines;
}

/** What verifying and recording a million uploads adds: list prices and the assumptions named, nothing measured. */
export function formatRecordsCost() {
  const worst = recordsCostPerMillionUploads();
  const best = recordsCostPerMillionUploads({ ...RECORD_ASSUMPTIONS, objectsPerBatch: 10 });
  const row = (label, item) => [label, dollars(worst.items[item]), dollars(best.items[item])];
  const a = RECORD_ASSUMPTIONS;
  const p = RECORD_PRICES;
  return [
    `**5b. What file records add per million uploads** (${p.region} list prices as of ${p.asOf}; estimates, not measured)`,
    '',
    ...table(
      ['item', '1 object per verifier batch', '10 per batch'],
      [
        row(
          `DynamoDB writes: ${a.writeUnitsPerUpload} WRU per upload (record and verdict, each with its index item; $${p.dynamoWritePerMillion}/M)`,
          'dynamoWrites',
        ),
        row(
          `DynamoDB reads: ${a.readUnitsPerUpload} RRU per upload (the verifier's strongly consistent read; $${p.dynamoReadPerMillion}/M)`,
          'dynamoReads',
        ),
        row(
          `EventBridge: ${a.eventsPerUpload} S3 event per upload ("opt-in data event", assumed $${p.eventBridgeOptInEventsPerMillion.toFixed(2)}/M)`,
          'eventBridge',
        ),
        row(`SQS: a send per event, a receive and a batch delete per batch ($${p.sqsRequestsPerMillion.toFixed(2)}/M requests)`, 'sqs'),
        row(`Verifier Lambda requests, one per batch ($${PRICES.lambdaRequestsPerMillion.toFixed(2)}/M)`, 'verifierRequests'),
        row(`Verifier duration, assumed ${a.verifierMsPerObject} ms per object at ${a.verifierMemoryMb} MB`, 'verifierDuration'),
        row(
          `Verifier S3: a ranged GET ($${p.s3GetPerThousand}/1,000) and a PutObjectTagging (PUT class, $${p.s3PutPerThousand}/1,000)`,
          'verifierS3',
        ),
        row(`Verifier logs, assumed ${a.verifierLogBytes} B + ~${PLATFORM_LOG_BYTES} B per invocation`, 'verifierLogs'),
        ['**total**', `**${dollars(worst.total)}**`, `**${dollars(best.total)}**`],
      ],
    ),
    '',
    `- Recurring, not per upload: the status tag of each stored file, $${p.s3TagsPer10kMonth} per 10,000 tags a month (${dollars(worst.tagsPerMonth)} a month per million files); the table's storage and point-in-time recovery, by GB-month.`,
    '- A delete adds one more event through EventBridge, SQS and the verifier, and a `deletes` invocation with a conditional write.',
  ];
}
