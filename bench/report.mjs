/**
 * The bench's results as Markdown tables, each figure beside its baseline and each target with
 * its verdict: printed by `npm run bench` and pasted into bench/README.md (Latest run; the README keeps a summary).
 */
import { routeFloor } from './route-floor.mjs';
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

/** Row t, one per table call of the floor (`bench/url-issue.mjs`). */
const tableRowLabel = (call, operation) =>
  `t. floor of a table call, ${call}: its \`${operation}\`, hand-serialized, one kept-alive HTTPS connection to the same dynalite`;

/** What each build of section 2 is. */
const BUILD_LABELS = {
  ours: 'ours (deployed: split, environment credentials)',
  careful: 'naive, bundled carefully (ESM, minified, `module` first)',
  defaults: 'naive, NodejsFunction defaults (CJS, not minified)',
};

/** What each lever of section 2 is. */
const LEVER_LABELS = {
  before: 'before: one file, default credential chain (main before this round)',
  environmentCredentials: '+ environment credentials only',
  splitting: '+ esbuild splitting only (`S3Client` a chunk read on first use)',
  withoutS3Client: '+ no `S3Client` at all (rare routes in a function of their own)',
  splittingAndCredentials: '+ splitting and environment credentials',
};

/** The whole report, as lines of Markdown. */
export function formatReport(results) {
  const { machine, urlIssue, bundles, bundleSizes, composition, sessionCache, http, quotaWrites, cost, targets } = results;
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
      [
        ...Object.entries(URL_ROWS),
        ...Object.entries(urlIssue.floorCalls).map(([call, { operation }]) => [`t-${call}`, tableRowLabel(call, operation)]),
      ].map(([name, label]) => [
        label,
        us(perUrl[name].median),
        us(perUrl[name].p99),
        String(perUrl[name].samples),
        times(perUrl[name].median / perUrl['a-uploads'].median),
      ]),
    ),
    '',
  );
  const floor = (name) => routeFloor(urlIssue, name);
  lines.push(
    "**Per route: warm µs per URL against the route's floor** (the signatures and table calls it must make; each table call with its own signature)",
    '',
    ...table(
      ['route', 'ours median µs', 'floor work', 'floor µs', 'ours × floor', 'log lines', 'log bytes'],
      [
        ['uploads', 'POST /uploads'],
        ['downloads', 'POST /downloads'],
      ].map(([name, route]) => [
        `\`${route}\``,
        us(perUrl[`a-${name}`].median),
        floor(name).work,
        us(floor(name).us),
        times(perUrl[`a-${name}`].median / floor(name).us),
        urlIssue.logPerInvocation[name].lines.toFixed(1),
        urlIssue.logPerInvocation[name].bytes.toFixed(0),
      ]),
    ),
    '',
    `- ours × floor: uploads ${times(targets.oursOverFloor.uploads)}, downloads ${times(targets.oursOverFloor.downloads)} — target ≤ 3.5×: ${targets.oursOverFloor.verdict}`,
    `- b / a: uploads ${times(targets.naiveOverOurs.uploads)}, downloads ${times(targets.naiveOverOurs.downloads)} (the naive signer per URL against our whole invocation, table call included)`,
    `- One log line per request, ≤ 600 B for a single PUT: ${targets.logLines.verdict}`,
    '- The floor signs the very URL our signer signs for the same request (checked in the run).',
    '',
    'The line a single PUT writes (real handler output, warm):',
    '',
    '```json',
    ...urlIssue.logPerInvocation.uploads.sample,
    '```',
    '',
  );

  const nodes = Object.keys(bundles.byNode);
  lines.push(
    `**2. Bundles and cold start** (median of ${bundles.runs} rounds, every build once per round, interleaved; ${nodes.map((node) => `${node} = ${bundles.nodes[node]}`).join(', ')}; STS and S3 on a loopback stub, the file table on loopback dynalite, both over HTTPS; "network": both behind a 10 ms-each-way proxy)`,
    '',
  );
  for (const node of nodes) {
    const { bootMs, functions } = bundles.byNode[node];
    lines.push(
      `${node}: an empty script spawns and exits in ${ms(bootMs)} ms (the runtime's own boot, inside every spawn-to-exit figure).`,
      '',
      ...table(
        [
          'function',
          'build',
          'bytes read at import',
          'all files',
          'import ms',
          'first invocation ms',
          'cold start ms',
          'CPU ms',
          'cold vs careful',
          'network: cold ms',
          'network vs careful',
          'spawn to exit ms',
          'spawn vs careful',
        ],
        Object.entries(functions).flatMap(([name, { builds }]) =>
          Object.entries(builds).map(([build, measured]) => {
            const careful = builds.careful;
            const size = bundles.bytes[name][build];
            return [
              `\`${name}\``,
              BUILD_LABELS[build],
              kB(size.atImport),
              `${kB(size.total)} (${size.files})`,
              ms(measured.inProcess.importMs),
              ms(measured.inProcess.firstInvocationMs),
              ms(measured.inProcess.coldStartMs),
              ms(measured.inProcess.cpuMs),
              times(measured.inProcess.coldStartMs / careful.inProcess.coldStartMs),
              ms(measured.network.coldStartMs),
              times(measured.network.coldStartMs / careful.network.coldStartMs),
              ms(measured.spawnToExitMs),
              times(measured.spawnToExitMs / careful.spawnToExitMs),
            ];
          }),
        ),
      ),
      '',
    );
    for (const [name, verdict] of Object.entries(targets.coldStarts[node])) {
      lines.push(
        `- \`${name}\` on ${node}: cold start ≤ ½ the careful naive's (offline, in-process): ${verdict.verdict}; against the defaults-bundled naive ${times(verdict.vsDefaults.inProcess)} (network ${times(verdict.vsDefaults.network)})`,
      );
    }
    lines.push('');
    const floorRows = Object.entries(functions)
      .filter(([, { floor }]) => floor)
      .map(([name, { floor, builds }]) => {
        const above = (build, mode) => builds[build][mode].coldStartMs - floor[mode].coldStartMs;
        return [
          `\`${name}\``,
          ms(floor.inProcess.importMs),
          ms(floor.inProcess.coldStartMs),
          ms(above('ours', 'inProcess')),
          ms(above('careful', 'inProcess')),
          times(above('ours', 'inProcess') / above('careful', 'inProcess')),
          ms(floor.network.coldStartMs),
          ms(above('ours', 'network')),
          ms(above('careful', 'network')),
          times(above('ours', 'network') / above('careful', 'network')),
        ];
      });
    if (floorRows.length > 0) {
      lines.push(
        `What remains, on ${node}: each signer's cold start against its floor (\`bench/cold-floor.mjs\`: Node's HTTPS stack and \`node:crypto\` loaded, \`AssumeRole\` and the route's table calls sent by hand on new TLS connections, the URL signed by hand), in the same rounds; "above" is a build's cold start minus the floor, what the SDK, the libraries and the handler add:`,
        '',
        ...table(
          [
            'function',
            'floor: import ms',
            'floor: cold ms',
            'ours above ms',
            'careful naive above ms',
            'ours / naive above',
            'network: floor ms',
            'network: ours above ms',
            'network: naive above ms',
            'network: ours / naive above',
          ],
          floorRows,
        ),
        '',
      );
    }
    const leverRows = Object.entries(functions).flatMap(([name, { levers, builds }]) =>
      Object.entries(levers).map(([lever, measured]) => [
        `\`${name}\``,
        LEVER_LABELS[lever],
        kB(bundles.bytes[name][`lever:${lever}`].atImport),
        ms(measured.importMs),
        ms(measured.coldStartMs),
        ms(measured.cpuMs),
        times(measured.coldStartMs / levers.before.coldStartMs),
        times(measured.coldStartMs / builds.careful.inProcess.coldStartMs),
      ]),
    );
    if (leverRows.length > 0) {
      lines.push(
        `Levers on ${node}, each alone, in the same rounds (in-process):`,
        '',
        ...table(
          ['function', 'lever', 'bytes read at import', 'import ms', 'cold start ms', 'CPU ms', 'vs before', 'vs careful naive'],
          leverRows,
        ),
        '',
      );
    }
  }
  const compositionColumns = Object.keys(composition).flatMap((name) => [
    [name, 'ours'],
    [name, 'careful'],
  ]);
  const partNames = [...new Set(compositionColumns.flatMap(([name, build]) => Object.keys(composition[name][build])))].sort(
    (a, b) =>
      Math.max(...compositionColumns.map(([name, build]) => composition[name][build][b] ?? 0)) -
      Math.max(...compositionColumns.map(([name, build]) => composition[name][build][a] ?? 0)),
  );
  lines.push(
    "What each signer reads at import, by part (minified bytes, from esbuild's metafile; the deployed build beside the careful naive one):",
    '',
    ...table(
      ['part', ...compositionColumns.map(([name, build]) => `\`${name}\` ${build === 'ours' ? 'ours' : 'careful naive'}`)],
      [
        ...partNames.map((part) => [part, ...compositionColumns.map(([name, build]) => kB(composition[name][build][part] ?? 0))]),
        [
          '**total**',
          ...compositionColumns.map(([name, build]) => kB(Object.values(composition[name][build]).reduce((sum, bytes) => sum + bytes, 0))),
        ],
      ],
    ),
    '',
  );
  lines.push(
    'Every function of the registry, as deployed:',
    '',
    ...table(
      ['function', 'bytes read at import', 'gzip', 'all files'],
      Object.entries(bundleSizes).map(([name, size]) => [
        `\`${name}\``,
        kB(size.atImport),
        kB(size.gzipAtImport),
        `${kB(size.total)} (${size.files})`,
      ]),
    ),
    '',
  );

  lines.push(
    `**The quota's table writes per URL issued** (\`bench/quota-writes.mjs\`: the handlers' own \`rate-windows.ts\` and \`usage-ledger.ts\` against a loopback dynalite, warm, µs; the "files stored" row for a user who already stores them, which must cost the same)`,
    '',
    ...table(
      ['URL', 'table writes', 'median µs', 'p99 µs', 'samples'],
      Object.entries(quotaWrites.perUrlMicroseconds).map(([name, { median, p99, samples }]) => [
        name.replace('1,000', quotaWrites.storedFiles.toLocaleString('en')),
        name === 'download' ? 'the rate window' : 'the rate window, the reservation',
        median.toFixed(0),
        p99.toFixed(0),
        samples,
      ]),
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

  const sizes = Object.keys(cost).map(Number);
  const records = recordsCostPerMillionUploads();
  const columns = sizes.flatMap((mb) => [
    ['uploads', mb],
    ['downloads', mb],
  ]);
  const itemRow = (label, item) => [label, ...columns.map(([name, mb]) => dollars(cost[mb][name].items[item]))];
  const recordRow = (label, item) => [label, ...columns.map(([name]) => dollars(name === 'uploads' ? records.items[item] : 0))];
  const totalOf = (name, mb) => cost[mb][name].total + (name === 'uploads' ? records.total : 0);
  lines.push(
    `**5. Cost per million URLs, by component** (${PRICES.region} list prices as of ${PRICES.asOf}, before free tiers; arm64; an upload's column includes what its record and verification add, 5b, one object per verifier batch)`,
    '',
    ...table(
      ['item', ...columns.map(([name, mb]) => `${name} @ ${mb} MB`)],
      [
        itemRow(`HTTP API requests ($${PRICES.httpApiPerMillion.toFixed(2)} per million)`, 'httpApi'),
        itemRow(`Lambda requests ($${PRICES.lambdaRequestsPerMillion.toFixed(2)} per million)`, 'lambdaRequests'),
        [
          `Lambda duration ($${PRICES.lambdaArmPerGbSecond}/GB-s), billed ms per invocation`,
          ...columns.map(([name, mb]) => `${dollars(cost[mb][name].items.lambdaDuration)} (${cost[mb][name].billedMs} ms)`),
        ],
        [
          `CloudWatch Logs ($${PRICES.logsPerGb.toFixed(2)}/GB): measured lines + ~${PLATFORM_LOG_BYTES} B of Lambda's own`,
          ...columns.map(([name, mb]) => `${dollars(cost[mb][name].items.logs)} (${cost[mb][name].logBytes.toFixed(0)} B)`),
        ],
        [
          `DynamoDB writes in the request ($${RECORD_PRICES.dynamoWritePerMillion}/M): the rate window, an upload's reservation and pending record (2 WRU with its index item)`,
          ...columns.map(([name, mb]) => `${dollars(cost[mb][name].items.tableWrites)} (${cost[mb][name].tableWrites} WRU)`),
        ],
        [
          `DynamoDB reads in the request, strongly consistent ($${RECORD_PRICES.dynamoReadPerMillion}/M): the suspension read, a download's record`,
          ...columns.map(([name, mb]) => `${dollars(cost[mb][name].items.tableReads)} (${cost[mb][name].tableReads} RRU)`),
        ],
        recordRow(`DynamoDB: the verdict, ${RECORD_ASSUMPTIONS.writeUnitsPerUpload} WRU with its index item (5b)`, 'dynamoWrites'),
        recordRow(`DynamoDB: the quota's confirmation, ${RECORD_ASSUMPTIONS.quotaWriteUnitsPerUpload} WRU (5b)`, 'quotaWrites'),
        recordRow('EventBridge: the object event (5b)', 'eventBridge'),
        recordRow('SQS (5b)', 'sqs'),
        [
          'the verifier: requests, duration, its record read, S3 calls, logs (5b)',
          ...columns.map(([name]) =>
            dollars(
              name === 'uploads'
                ? records.items.verifierRequests +
                    records.items.verifierDuration +
                    records.items.verifierS3 +
                    records.items.verifierLogs +
                    records.items.dynamoReads
                : 0,
            ),
          ),
        ],
        itemRow('STS `AssumeRole` (free)', 'sts'),
        ['**total**', ...columns.map(([name, mb]) => `**${dollars(totalOf(name, mb))}**`)],
        ['p99 of a warm invocation, ms (scaled, estimate)', ...columns.map(([name, mb]) => cost[mb][name].p99Ms.toFixed(1))],
        [
          'a cold start (import + first invocation), ms (scaled, estimate)',
          ...columns.map(([name, mb]) => cost[mb][name].coldStartMs.toFixed(0)),
        ],
        ['INIT per million cold starts', ...columns.map(([name, mb]) => dollars(cost[mb][name].perMillionColdStarts))],
      ],
    ),
    '',
    `- Duration: the measured median of a warm invocation (section 1) less its loopback table calls (rows t), on a whole core, scaled to the memory's share of a vCPU (1 vCPU per 1,769 MB, estimate), plus an assumed ${cost[sizes[0]].assumedTableCallMs} ms per table call waiting on DynamoDB's answer (uploads ${cost[sizes[0]].uploads.waitMs} ms, downloads ${cost[sizes[0]].downloads.waitMs} ms; estimate, not measurable offline). Lambda bills per 1 ms, rounded up.`,
    '- A cold start adds its INIT (billed since August 2025): the measured import scaled the same way (estimate).',
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
          `DynamoDB writes: ${a.writeUnitsPerUpload} WRU per upload (the verdict with its index item; the pending record's are in section 5; $${p.dynamoWritePerMillion}/M)`,
          'dynamoWrites',
        ),
        row(
          `DynamoDB writes: ${a.quotaWriteUnitsPerUpload} WRU per upload (the storage quota's confirmation at \`available\`: a two-item transaction, 2 WRU per item, and the record's index item)`,
          'quotaWrites',
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
