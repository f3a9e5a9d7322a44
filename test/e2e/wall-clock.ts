/**
 * Moving the wall clock (`Date`) of this process, and so of local mode's handlers and S3
 * emulator, which run in it: as if the machine had slept. Timers, I/O and `performance` keep
 * real time, so the servers go on answering. Undo with `jest.useRealTimers()`.
 */
export function jumpWallClock(ms: number): void {
  jest.useFakeTimers({
    now: Date.now() + ms,
    doNotFake: [
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'setImmediate',
      'clearImmediate',
      'nextTick',
      'queueMicrotask',
      'performance',
      'hrtime',
    ],
  });
}
