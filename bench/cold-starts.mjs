/**
 * Section 2: each function's bundle against its naive build, by size (minified and gzipped
 * bytes) and by cold start (import + first invocation in a fresh process, `bench/cold-start.mjs`).
 * Runs alternate ours and naive, so both see the same noise.
 */
import * as fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { runInFreshProcess } from './fresh-process.mjs';
import { percentile } from './percentiles.mjs';

/** Sizes and cold starts of `{ours, naive}` bundles per function; `env(name)` is the function's environment. */
export async function measureBundles({ ours, naive, events, env, runs }) {
  const samples = {};
  for (let run = 0; run < runs; run += 1) {
    for (const name of Object.keys(ours)) {
      for (const [build, bundle] of [
        ['ours', ours[name]],
        ['naive', naive[name]],
      ]) {
        const started = await runInFreshProcess('cold-start.mjs', {
          args: [bundle],
          env: { ...env(name), EVENT: JSON.stringify(events[name]) },
        });
        if (started.status !== 200) throw new Error(`${build} ${name} answered ${started.status} on its first invocation`);
        (samples[`${build}-${name}`] ??= []).push(started);
      }
    }
  }
  return Object.fromEntries(
    Object.keys(ours).map((name) => [
      name,
      { ours: summary(ours[name], samples[`ours-${name}`]), naive: summary(naive[name], samples[`naive-${name}`]) },
    ]),
  );
}

function summary(bundle, runs) {
  const code = fs.readFileSync(bundle);
  const median = (pick) => percentile(runs.map(pick), 0.5);
  return {
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    runs: runs.length,
    importMs: median((run) => run.importMs),
    firstInvocationMs: median((run) => run.invokeMs),
    coldStartMs: median((run) => run.importMs + run.invokeMs),
    coldStartCpuMs: median((run) => run.cpuMs),
  };
}
