/** The errors the API answers with: every code, its HTTP status, and the body's shape. */

/** Every error code the API can answer with, and its HTTP status. */
export const ERROR_STATUS = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  INVALID_FILENAME: 400,
  INVALID_CURSOR: 400,
  INVALID_PARTS: 400,
  INVALID_ID: 400,
  UNAUTHORIZED: 401,
  QUOTA_EXCEEDED: 403,
  SUSPENDED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PENDING: 409,
  FILE_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_TYPE: 415,
  TYPE_MISMATCH: 415,
  REJECTED: 422,
  TOO_MANY_REQUESTS: 429,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  STORAGE_UNAVAILABLE: 503,
  SIGNING_UNAVAILABLE: 503,
} as const;

/** A machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The codes API Gateway's own answers stand for: they carry `{"message"}` only (authorizer,
 * missing scope, unknown route, payload limit, throttling), so a client names them by status.
 */
export const GATEWAY_ERROR_CODES = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
} as const satisfies Record<number, ErrorCode | 'FORBIDDEN'>;

/** A code API Gateway's own answers stand for. */
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[keyof typeof GATEWAY_ERROR_CODES];

/** The JSON body of every error answer of our functions. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    /** Present on 5xx answers: quote it when reporting a problem. */
    readonly requestId?: string;
    /** `QUOTA_EXCEEDED`: where the caller stands against the plan that refused them. */
    readonly quota?: QuotaFigures;
    /** `RATE_LIMITED` and `PENDING`: seconds to wait, as in the `Retry-After` header. */
    readonly retryAfter?: number;
  };
}

/** A user's storage against their plan, as a `QUOTA_EXCEEDED` error and `GET /usage` state it. */
export interface QuotaFigures {
  /** Bytes of files that are stored (pending verification or available). */
  readonly usedBytes: number;
  /** Bytes held for upload URLs issued but not yet uploaded. */
  readonly reservedBytes: number;
  readonly quotaBytes: number;
  /** Files stored plus uploads pending. */
  readonly files: number;
  readonly maxFiles: number;
}
