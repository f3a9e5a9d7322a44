/**
 * One cold start, in a fresh process forked by `bench/run.mjs`: imports a bundle as Lambda
 * would (ESM by `import()`, CommonJS by `require`), invokes its handler once with the event in
 * `EVENT`, and reports both times to the parent. The environment points STS and S3 at the
 * loopback stubs (`bench/aws-stubs.mjs`), so the first invocation does its real work. CPU time
 * is reported beside the wall-clock time: it is the figure the machine's noise disturbs least.
 *
 * `node bench/cold-start.mjs <bundle>`; stdout is the function's log, discarded by the parent.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
const event = JSON.parse(process.env.EVENT);
const context = { functionName: 'bench', awsRequestId: 'cold-start', getRemainingTimeInMillis: () => 10_000 };

const cpuBefore = process.cpuUsage();
const started = performance.now();
const module = bundle.endsWith('.mjs') ? await import(pathToFileURL(bundle).href) : createRequire(import.meta.url)(bundle);
const imported = performance.now();
const result = await module.handler(event, context);
const invoked = performance.now();
const cpu = process.cpuUsage(cpuBefore);

process.send(
  { importMs: imported - started, invokeMs: invoked - imported, cpuMs: (cpu.user + cpu.system) / 1000, status: result.statusCode },
  () => process.exit(0),
);
