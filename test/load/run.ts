/**
 * `npm run test:load`: a bounded load test of local mode, on loopback only. Clients issue upload
 * and download URLs, alternately, through the whole local path (the JWT verified against the
 * pool's keys, the deployed handler modules, a cached role session, a record written to the file
 * table (dynalite) per upload and read from it per download) for a fixed time; then it prints throughput, latency, errors and memory,
 * and exits 1 when a bound is broken. Not part of `npm test`: it takes the CPU for its duration.
 *
 * Each connection is a user of its own (`load-1`…): the quotas are per user, and one user's
 * flood is what the rate window refuses, not what this test measures. Their plan is roomy enough
 * that nothing is refused for the test's duration (`LOAD_PLAN`).
 *
 * `LOAD_CONNECTIONS` (default 20) and `LOAD_SECONDS` (default 10) tune it.
 */
import autocannon, { type Options, type Request, type Result } from 'autocannon';

// Lambda runs Node.js 24; on an older local Node.js the SDK's upgrade reminder is noise. Set before
// local mode (and the SDK with it) is imported below.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MiB = 1024 * 1024;
const CONNECTIONS = wholeNumberFromEnvironment('LOAD_CONNECTIONS', 20);
const SECONDS = wholeNumberFromEnvironment('LOAD_SECONDS', 10);
/** Long enough to load every module, warm the JIT, and fill the session cache and the sockets' pools. */
const WARM_UP_SECONDS = 2;
/** Whatever happens, the process ends by then. */
/** Every connection's user: no refusal within the test (each issues well under 1,000 upload URLs). */
const LOAD_PLAN = {
  uploadUrlsPerMinute: 100_000,
  downloadUrlsPerMinute: 100_000,
  maxPendingUploads: 1000,
  maxFiles: 1_000_000,
  storageQuotaBytes: 2 ** 50,
};
const HARD_STOP_SECONDS = WARM_UP_SECONDS + SECONDS + 60;

/** A run that breaks one of these fails. */
const BOUNDS = {
  /** Answers other than 2xx, socket errors and timeouts. */
  errors: 0,
  /** Resident memory after the run, over the same before it, each after a full GC: no leak per request. */
  rssGrowthBytes: 100 * MiB,
  /** Generous for a laptop running clients, API, handlers and emulators in one process. */
  p99LatencyMs: 1000,
};

function wholeNumberFromEnvironment(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1.`);
  return value;
}

/** Resident memory once garbage is collected (with `--expose-gc`, as `npm run test:load` runs it). */
async function settledRss(): Promise<number> {
  for (let round = 0; round < 3; round += 1) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().rss;
}

/**
 * The handlers write an audit line and a metric line per request, as in Lambda; under load they
 * are still made (their cost is part of a request), just not shown.
 */
function quietStdout(): { restore(): void } {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (_chunk: unknown, ...rest: unknown[]) => {
    const callback = rest.find((argument): argument is () => void => typeof argument === 'function');
    callback?.();
    return true;
  };
  return { restore: () => (process.stdout.write = write) };
}

function report(result: Result, rss: { before: number; after: number }): string[] {
  const broken: string[] = [];
  const errors = result.non2xx + result.errors + result.timeouts;
  const growth = rss.after - rss.before;
  if (errors > BOUNDS.errors) broken.push(`${errors} errors (bound ${BOUNDS.errors})`);
  if (growth > BOUNDS.rssGrowthBytes) broken.push(`RSS grew ${(growth / MiB).toFixed(1)} MiB (bound ${BOUNDS.rssGrowthBytes / MiB} MiB)`);
  if (result.latency.p99 > BOUNDS.p99LatencyMs) broken.push(`p99 ${result.latency.p99} ms (bound ${BOUNDS.p99LatencyMs} ms)`);

  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  const statuses = Object.entries(result.statusCodeStats).map(([status, { count }]) => `${status}: ${count}`);
  const rows = [
    ['connections, duration', `${CONNECTIONS}, ${result.duration} s (after ${WARM_UP_SECONDS} s of warm-up)`, ''],
    ['requests', `${result.requests.total} (${statuses.join(', ')})`, ''],
    ['requests/s (mean)', result.requests.average.toFixed(0), ''],
    [
      'latency p50, p99, max',
      `${result.latency.p50} ms, ${result.latency.p99} ms, ${result.latency.max} ms`,
      `p99 ≤ ${BOUNDS.p99LatencyMs} ms`,
    ],
    ['errors (non-2xx, socket, timeout)', `${errors} (${result.non2xx}, ${result.errors}, ${result.timeouts})`, `= ${BOUNDS.errors}`],
    [
      'RSS before, after (after GC)',
      `${mib(rss.before)}, ${mib(rss.after)} (${growth >= 0 ? '+' : ''}${mib(growth)})`,
      `+${mib(BOUNDS.rssGrowthBytes)} at most`,
    ],
  ];
  console.log('\nLoad test: POST /uploads and POST /downloads, alternately, against local mode on 127.0.0.1');
  console.log('(clients, API, handlers and emulators share this one process, and its RSS)\n');
  console.log('| measure | value | bound |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  if (!globalThis.gc) console.log('\n(no --expose-gc: RSS measured without a full GC first; run it as `npm run test:load`)');
  return broken;
}

async function main(): Promise<number> {
  const { startTestLocalMode, textBytes } = await import('../e2e/local-mode');
  const stdout = quietStdout();
  let measured: { result: Result; rss: { before: number; after: number } };
  try {
    const { DEFAULT_PASSWORD } = await import('../../local/local-mode');
    const usernames = Array.from({ length: CONNECTIONS }, (_, n) => `load-${n + 1}`);
    const local = await startTestLocalMode(
      { defaultPlan: LOAD_PLAN },
      { users: usernames.map((username) => ({ username, password: DEFAULT_PASSWORD })) },
    );
    try {
      // Text files must be valid UTF-8 to pass verification; downloads answer 409 until the verifier has read the bytes.
      const users = await Promise.all(
        usernames.map(async (username) => {
          const { id } = await local.client(username).upload(textBytes(1024), { filename: 'load.txt', contentType: 'text/plain' });
          return { authorization: `Bearer ${await local.token(username)}`, id };
        }),
      );
      await local.stack.events.idle();
      for (const [n, { id }] of users.entries()) {
        const { status } = await local.client(usernames[n] ?? 'load-1').get(id);
        if (status !== 'available') throw new Error(`the file to download is ${status} after verification, not available`);
      }
      // autocannon's context is per connection: its first request picks the connection's user.
      let connections = 0;
      const userOf = (context: Record<string, unknown>): (typeof users)[number] => {
        context.user ??= users[connections++ % users.length];
        return context.user as (typeof users)[number];
      };
      const asUser = (request: Request, context: Record<string, unknown>): Request => ({
        ...request,
        headers: { ...request.headers, authorization: userOf(context).authorization },
      });
      const options: Options = {
        url: local.apiUrl,
        connections: CONNECTIONS,
        timeout: 10,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            path: '/uploads',
            body: JSON.stringify({ filename: 'Holiday photo.jpg', contentType: 'image/jpeg', size: 2 * MiB }),
            setupRequest: asUser,
          },
          {
            method: 'POST',
            path: '/downloads',
            setupRequest: (request, context) => ({ ...asUser(request, context), body: JSON.stringify({ id: userOf(context).id }) }),
          },
        ],
      };
      await autocannon({ ...options, duration: WARM_UP_SECONDS });
      const before = await settledRss();
      const result = await autocannon({ ...options, duration: SECONDS });
      measured = { result, rss: { before, after: await settledRss() } };
    } finally {
      await local.stop();
    }
  } finally {
    stdout.restore();
  }

  const broken = report(measured.result, measured.rss);
  for (const problem of broken) console.error(`Bound broken: ${problem}`);
  return broken.length === 0 ? 0 : 1;
}

setTimeout(() => {
  console.error(`The load test was still running after ${HARD_STOP_SECONDS} s: stopped.`);
  process.exit(2);
}, HARD_STOP_SECONDS * 1000).unref();

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`The load test could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
