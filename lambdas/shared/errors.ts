/**
 * The errors handlers throw. `ApiError` carries a code of the contract; the error middleware
 * turns it into `{"error":{"code","message"}}` with its status. Anything else becomes a 500
 * that is logged, never shown.
 */
import { ERROR_STATUS, type ErrorCode } from '../../contract/errors';

/** An error the client caused or may retry; its message is safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** Headers the answer carries (`Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Seconds to wait, stated in the body as well as in `Retry-After`. */
  readonly retryAfter?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>>; retryAfter?: number },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
    this.headers = options?.headers ?? {};
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/** S3 failed in a way the client cannot fix: 503, S3's own message kept for the log only. */
export function storageUnavailable(cause: unknown): ApiError {
  return new ApiError('STORAGE_UNAVAILABLE', 'File storage is unavailable right now; try again shortly.', { cause });
}
