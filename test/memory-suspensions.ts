import type { Suspension, Suspensions } from '../lambdas/shared/suspensions';

/** Suspensions in memory, for handler tests; `reads` counts lookups (one per request is the promise). */
export function memorySuspensions(): Suspensions & { readonly reads: () => number } {
  const suspended = new Map<string, Suspension>();
  let reads = 0;
  return {
    reads: () => reads,
    find: (sub) => {
      reads += 1;
      return Promise.resolve(suspended.get(sub));
    },
    suspend: (suspension) => {
      suspended.set(suspension.sub, suspension);
      return Promise.resolve();
    },
    reinstate: (sub) => Promise.resolve(suspended.delete(sub)),
  };
}
