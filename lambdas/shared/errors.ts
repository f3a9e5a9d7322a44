/**
 * The errors our API answers with. Handlers throw `ApiError`; the error middleware turns it
 * into `{"error":{"code","message"}}` with its status. Anything else becomes a 500 that is
 * logged, never shown.
 */

/** Every error code the API can answer with, and its HTTP status. */
const ERROR_STATUS = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  INVALID_FILENAME: 400,
  INVALID_KEY: 400,
  INVALID_CURSOR: 400,
  INVALID_PARTS: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN_KEY: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FILE_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_TYPE: 415,
  TYPE_MISMATCH: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  STORAGE_UNAVAILABLE: 503,
  SIGNING_UNAVAILABLE: 503,
} as const;

/** A machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error the client caused or may retry; its message is safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
  }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly requestId?: string };
}

/** S3 failed in a way the client cannot fix: 503, S3's own message kept for the log only. */
export function storageUnavailable(cause: unknown): ApiError {
  return new ApiError('STORAGE_UNAVAILABLE', 'File storage is unavailable right now; try again shortly.', { cause });
}
