/**
 * One deadline per request. Every AWS call of a request (STS, S3 through the SDK, the HEAD over
 * `node:https`) gets the same abort signal, which fires a margin before the function's own
 * timeout: whatever was slow, the request answers 503 with the dependency's code in time, instead
 * of middy's early timeout (a 500) or Lambda's (API Gateway's 503 without a body).
 */
import type { Context } from 'aws-lambda';

/**
 * Time kept back from the function's remaining time to turn an abort into a 503 and flush its
 * metrics; far more than middy's `timeoutEarlyInMillis` (5 ms), so the deadline always fires first.
 */
export const DEADLINE_MARGIN_MS = 1000;

/** A request's deadline: an abort signal, and the time left before it fires. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Milliseconds until `signal` aborts (0 once it has). */
  remainingMs(): number;
  /** Stops the timer once the request is answered. */
  clear(): void;
}

/** The error a call fails with when the request's deadline passed first. */
class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/**
 * The deadline of one invocation: the function's remaining time minus the margin. Without a
 * Lambda context (scripts, some tests) the signal never aborts.
 */
export function deadlineOf(context: Partial<Pick<Context, 'getRemainingTimeInMillis'>> | undefined): Deadline {
  const controller = new AbortController();
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined) return { signal: controller.signal, remainingMs: () => Infinity, clear: () => undefined };
  const budgetMs = Math.max(0, remaining - DEADLINE_MARGIN_MS);
  const endsAt = Date.now() + budgetMs;
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(`request deadline of ${budgetMs} ms passed`)), budgetMs);
  return {
    signal: controller.signal,
    remainingMs: () => (controller.signal.aborted ? 0 : Math.max(0, endsAt - Date.now())),
    clear: () => clearTimeout(timer),
  };
}

/**
 * Runs an AWS call with the request's signal and settles no later than its deadline: the call
 * is handed the signal (so the SDK or `node:https` cancels the request) and raced against it, so
 * that even a call that ignores it cannot hold the answer.
 */
export function withinDeadline<T>(signal: AbortSignal | undefined, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (!signal) return call(undefined);
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    call(signal)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DeadlineExceededError('request deadline passed');
}
