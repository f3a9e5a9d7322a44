/** Retrying what is worth retrying: network failures, throttling and server errors, with exponential backoff. */
import { FileApiError } from './errors';
import { aborted } from './put-object';

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  /** First pause, doubled each time (with jitter), capped at 10 s. @default 300 */
  readonly baseDelayMs?: number;
  readonly signal?: AbortSignal;
}

/** Runs `attempt` until it succeeds, fails in a way not worth retrying, or runs out of retries. */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attemptNumber = 0; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const retryable = error instanceof FileApiError && error.retryable;
      if (!retryable || attemptNumber >= policy.retries || policy.signal?.aborted) throw error;
      await pause(backoffMs(attemptNumber, policy.baseDelayMs ?? 300), policy.signal);
    }
  }
}

/** Full jitter: spreads the retries of many parts (and many clients) apart. */
function backoffMs(attemptNumber: number, baseDelayMs: number): number {
  return Math.random() * Math.min(10_000, baseDelayMs * 2 ** attemptNumber);
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
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
