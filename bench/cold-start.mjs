/**
 * One cold start, in a fresh process started by `bench/cold-starts.mjs`: imports a bundle as
 * Lambda would (ESM by `import()`, CommonJS by `require`), invokes its handler once with the
 * event in `EVENT`, and reports both times. The environment points STS at the loopback stub and
 * the file table at loopback dynalite (directly, or through the simulated network), so the first
 * invocation does its real work. CPU time is reported beside the wall-clock time: it is the figure
 * the machine's noise disturbs least.
 *
 * Forked (an IPC channel), it sends its figures to the parent; spawned without one, it exits as
 * soon as the handler has answered (the parent times spawn to exit), with 0 for a 200.
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

if (process.send) {
  process.send(
    { importMs: imported - started, invokeMs: invoked - imported, cpuMs: (cpu.user + cpu.system) / 1000, status: result.statusCode },
    () => process.exit(0),
  );
} else {
  process.exit(result.statusCode === 200 ? 0 : 1);
}
