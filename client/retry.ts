/** Retrying what is worth retrying: network failures, throttling and server errors, with exponential backoff. */
import { FileApiError } from './errors';
import { aborted } from './put-object';

/** Waits `ms` milliseconds, or rejects with `ABORTED` when the signal fires. Injectable, so tests never really sleep. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  /** First pause, doubled each time (with jitter), capped at 10 s. @default 300 */
  readonly baseDelayMs?: number;
  readonly signal?: AbortSignal | undefined;
  /** @default a timer */
  readonly sleep?: Sleep | undefined;
}

/**
 * The longest `Retry-After` the client waits out by itself: a longer one is the caller's to
 * schedule (the error carries it), not a promise left hanging.
 */
const MAX_RETRY_AFTER_SECONDS = 60;

/** Runs `attempt` until it succeeds, fails in a way not worth retrying, or runs out of retries. */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attemptNumber = 0; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      // 403 QUOTA_EXCEEDED and every other 4xx but 429 are not retryable: the same answer comes next time.
      const retryable = error instanceof FileApiError && error.retryable;
      if (!retryable || attemptNumber >= policy.retries || policy.signal?.aborted) throw error;
      const { retryAfter } = error;
      if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_SECONDS) throw error;
      const delay = retryAfter !== undefined ? retryAfter * 1000 : backoffMs(attemptNumber, policy.baseDelayMs ?? 300);
      await (policy.sleep ?? sleep)(delay, policy.signal);
    }
  }
}

/** Full jitter: spreads the retries of many parts (and many clients) apart. */
function backoffMs(attemptNumber: number, baseDelayMs: number): number {
  return Math.random() * Math.min(10_000, baseDelayMs * 2 ** attemptNumber);
}

/** The real timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(aborted());
      },
      { once: true },
    );
  });
}
