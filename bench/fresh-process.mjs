/**
 * Runs a measurement script in a fresh `node` process that reports by IPC. Plain `node` (no
 * tsx hooks) unless the script must import TypeScript; stdout, where handlers write their log
 * lines, is `/dev/null`, so a write costs what a write costs and nothing scrolls.
 */
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts `script` (relative to `bench/`) with `env` as its whole environment (plus PATH), on
 * `execPath`'s Node.js (the machine's by default).
 * `nextMessage()` answers its messages in order; `exited` settles when it ends, rejecting on a
 * failure (as does a `nextMessage()` still waiting then).
 */
export function startFreshProcess(script, { args = [], env = {}, tsx = false, execPath = process.execPath } = {}) {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    execPath,
    execArgv: tsx ? ['--import', 'tsx'] : [],
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const received = [];
  const waiting = [];
  child.on('message', (message) => (waiting.length > 0 ? waiting.shift().resolve(message) : received.push(message)));
  const exited = new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const failure = new Error(`bench/${script} exited with ${code}`);
      for (const waiter of waiting.splice(0)) waiter.reject(failure);
      if (code === 0) resolve();
      else reject(failure);
    }),
  );
  // Whoever awaits it hears of a failure; unawaited, it must not crash the run as unhandled.
  exited.catch(() => undefined);
  return {
    nextMessage: () =>
      received.length > 0 ? Promise.resolve(received.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject })),
    exited,
    send: (value) => child.send(value),
  };
}

/** Runs `script` to its end and answers its one message. */
export async function runInFreshProcess(script, options) {
  const started = startFreshProcess(script, options);
  const [answer] = await Promise.all([started.nextMessage(), started.exited]);
  return answer;
}

/**
 * Spawns `script` without an IPC channel and answers the milliseconds from spawn to exit: the
 * runtime's own boot included, as in a real cold start. Rejects unless it exits with 0.
 */
export function timeSpawnToExit(script, { args = [], env = {}, execPath = process.execPath } = {}) {
  const started = performance.now();
  const child = spawn(execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`bench/${script} exited with ${code}`)),
    ),
  );
}
