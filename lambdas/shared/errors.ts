/**
 * The errors handlers throw. `ApiError` carries a code of the contract; the error middleware
 * turns it into `{"error":{"code","message"}}` with its status. Anything else becomes a 500
 * that is logged, never shown.
 */
import { ERROR_STATUS, type ErrorCode, type QuotaFigures } from '../../contract/errors';

/** An error the client caused or may retry; its message is safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** Headers the answer carries (`Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Seconds to wait, stated in the body as well as in `Retry-After`. */
  readonly retryAfter?: number;
  /** `QUOTA_EXCEEDED`: the caller's storage against their plan, stated in the body. */
  readonly quota?: QuotaFigures;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>>; retryAfter?: number; quota?: QuotaFigures },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
    this.headers = options?.headers ?? {};
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options?.quota) this.quota = options.quota;
  }
}

/** S3 failed in a way the client cannot fix: 503, S3's own message kept for the log only. */
export function storageUnavailable(cause: unknown): ApiError {
  return new ApiError('STORAGE_UNAVAILABLE', 'File storage is unavailable right now; try again shortly.', { cause });
}
