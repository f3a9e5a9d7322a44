/**
 * `npm run test:load`: a bounded load test of local mode, on loopback only. Clients issue upload
 * and download URLs, alternately, through the whole local path (the JWT verified against the
 * pool's keys, the deployed handler modules, a cached role session, a record written to the file
 * table (dynalite) per upload and read from it per download) for a fixed time; then it prints throughput, latency, errors and memory,
 * and exits 1 when a bound is broken. Not part of `npm test`: it takes the CPU for its duration.
 *
 * `LOAD_CONNECTIONS` (default 20) and `LOAD_SECONDS` (default 10) tune it.
 */
import autocannon, { type Options, type Result } from 'autocannon';

// Lambda runs Node.js 24; on an older local Node.js the SDK's upgrade reminder is noise. Set before
// local mode (and the SDK with it) is imported below.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const MiB = 1024 * 1024;
const CONNECTIONS = wholeNumberFromEnvironment('LOAD_CONNECTIONS', 20);
const SECONDS = wholeNumberFromEnvironment('LOAD_SECONDS', 10);
/** Long enough to load every module, warm the JIT, and fill the session cache and the sockets' pools. */
const WARM_UP_SECONDS = 2;
/** Whatever happens, the process ends by then. */
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
    const local = await startTestLocalMode();
    try {
      const token = await local.token('alice');
      const client = local.client('alice');
      // Text files must be valid UTF-8 to pass verification; downloads answer 409 until the verifier has read the bytes.
      const { id } = await client.upload(textBytes(1024), { filename: 'load.txt', contentType: 'text/plain' });
      await local.stack.events.idle();
      const { status } = await client.get(id);
      if (status !== 'available') throw new Error(`the file to download is ${status} after verification, not available`);
      const options: Options = {
        url: local.apiUrl,
        connections: CONNECTIONS,
        timeout: 10,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            path: '/uploads',
            body: JSON.stringify({ filename: 'Holiday photo.jpg', contentType: 'image/jpeg', size: 2 * MiB }),
          },
          { method: 'POST', path: '/downloads', body: JSON.stringify({ id }) },
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
