/**
 * Section 2: each function's bundle against the careful and the defaults-bundled naive builds,
 * by size and by cold start, measured three ways on each Node.js version:
 *
 * - **in-process**: import + first invocation in a fresh process (`bench/cold-start.mjs`), STS and
 *   the table on loopback; CPU time beside wall time;
 * - **spawn to exit**: a fresh `node` spawned, the bundle imported and invoked once, the process
 *   gone; the runtime's own boot (an empty script, spawned the same way) is reported beside it;
 * - **simulated network**: in-process again, with STS and the table behind a 10 ms-each-way proxy
 *   (`bench/network-delay.mjs`), closer to what a first invocation waits in AWS.
 *
 * The signers' cold starts have a floor too (`bench/cold-floor.mjs`: the route's calls by hand),
 * measured in-process and with the network in the same rounds.
 *
 * Every variant runs once per round, rounds repeat, and each figure is the median: the noise of a
 * shared machine falls on all alike. The levers (`bench/bundles.mjs`) are measured in-process,
 * on every Node.js version, in the same rounds.
 */
import { bundleBytes } from './bundles.mjs';
import { runInFreshProcess, timeSpawnToExit } from './fresh-process.mjs';
import { percentile } from './percentiles.mjs';

/** The routes whose cold start has a floor (`bench/cold-floor.mjs`): the signers, as for the warm floor. */
const FLOOR_ROUTES = ['uploads', 'downloads'];

/**
 * Cold starts of every build of each function. `env(network)` is a function's environment, with
 * the simulated network's endpoints when `network` is true. `levers` may be `{}` (quick runs).
 */
export async function measureBundles({ ours, naive, levers, events, env, runs, nodes }) {
  const builds = { ours, careful: naive.careful, defaults: naive.defaults };
  const samples = {};
  const add = (key, sample) => (samples[key] ??= []).push(sample);
  // An event, or a function that prepares what its invocation needs and answers one (a delete needs a file of its own).
  const eventOf = async (name) => JSON.stringify(typeof events[name] === 'function' ? await events[name]() : events[name]);
  const coldStart = async (execPath, bundle, name, network) => {
    const started = await runInFreshProcess('cold-start.mjs', {
      args: [bundle],
      execPath,
      env: { ...env(network), EVENT: await eventOf(name) },
    });
    if (started.status < 200 || started.status > 299) throw new Error(`${bundle} answered ${started.status} on its first invocation`);
    return started;
  };

  for (let run = 0; run < runs; run += 1) {
    for (const [node, { execPath }] of Object.entries(nodes)) {
      add(`${node}|boot`, await timeSpawnToExit('empty.mjs', { execPath }));
      for (const name of Object.keys(ours)) {
        for (const [build, bundles] of Object.entries(builds)) {
          add(`${node}|inProcess|${build}|${name}`, await coldStart(execPath, bundles[name], name, false));
          add(`${node}|network|${build}|${name}`, await coldStart(execPath, bundles[name], name, true));
          const spawned = await timeSpawnToExit('cold-start.mjs', {
            args: [bundles[name]],
            execPath,
            env: { ...env(false), EVENT: await eventOf(name) },
          });
          add(`${node}|spawn|${build}|${name}`, spawned);
        }
        if (FLOOR_ROUTES.includes(name)) {
          for (const network of [false, true]) {
            const floor = await runInFreshProcess('cold-floor.mjs', {
              args: [name],
              execPath,
              env: { ...env(network), EVENT: await eventOf(name) },
            });
            add(`${node}|${network ? 'network' : 'inProcess'}|floor|${name}`, floor);
          }
        }
        for (const [lever, bundles] of Object.entries(levers)) {
          if (!bundles[name]) continue;
          add(`${node}|inProcess|lever:${lever}|${name}`, await coldStart(execPath, bundles[name], name, false));
        }
      }
    }
  }

  const median = (values) => percentile(values, 0.5);
  const inProcess = (key) => {
    const runsOf = samples[key];
    return {
      runs: runsOf.length,
      importMs: median(runsOf.map((sample) => sample.importMs)),
      firstInvocationMs: median(runsOf.map((sample) => sample.invokeMs)),
      coldStartMs: median(runsOf.map((sample) => sample.importMs + sample.invokeMs)),
      cpuMs: median(runsOf.map((sample) => sample.cpuMs)),
    };
  };
  const byNode = Object.fromEntries(
    Object.keys(nodes).map((node) => [
      node,
      {
        bootMs: median(samples[`${node}|boot`]),
        functions: Object.fromEntries(
          Object.keys(ours).map((name) => [
            name,
            {
              builds: Object.fromEntries(
                Object.keys(builds).map((build) => [
                  build,
                  {
                    inProcess: inProcess(`${node}|inProcess|${build}|${name}`),
                    network: inProcess(`${node}|network|${build}|${name}`),
                    spawnToExitMs: median(samples[`${node}|spawn|${build}|${name}`]),
                  },
                ]),
              ),
              ...(FLOOR_ROUTES.includes(name) && {
                floor: { inProcess: inProcess(`${node}|inProcess|floor|${name}`), network: inProcess(`${node}|network|floor|${name}`) },
              }),
              levers: Object.fromEntries(
                Object.keys(levers)
                  .filter((lever) => levers[lever][name])
                  .map((lever) => [lever, inProcess(`${node}|inProcess|lever:${lever}|${name}`)]),
              ),
            },
          ]),
        ),
      },
    ]),
  );
  const bytes = Object.fromEntries(
    Object.keys(ours).map((name) => [
      name,
      {
        ...Object.fromEntries(Object.entries(builds).map(([build, bundles]) => [build, bundleBytes(bundles[name])])),
        ...Object.fromEntries(
          Object.entries(levers)
            .filter(([, bundles]) => bundles[name])
            .map(([lever, bundles]) => [`lever:${lever}`, bundleBytes(bundles[name])]),
        ),
      },
    ]),
  );
  return { runs, nodes: Object.fromEntries(Object.entries(nodes).map(([node, { version }]) => [node, version])), byNode, bytes };
}
