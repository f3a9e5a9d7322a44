import { GATEWAY_ERROR_CODES, type ApiErrorBody, type ErrorCode, type GatewayErrorCode, type QuotaFigures } from '../contract/errors';

/**
 * Every code a `FileApiError` may carry: the API's own, API Gateway's, S3's refusals as
 * `S3_<Code>`, Cognito's as `COGNITO_<type>` (`COGNITO_NotAuthorizedException`), another status
 * as `HTTP_<status>`, and the client's own for no answer at all.
 */
export type FileErrorCode =
  ErrorCode | GatewayErrorCode | `S3_${string}` | `COGNITO_${string}` | `HTTP_${number}` | 'NETWORK_ERROR' | 'ABORTED' | 'MISSING_ETAG';

/** What else an API refusal says. */
export interface FileApiErrorDetails {
  /** The API's request id, to quote when reporting a problem. */
  readonly requestId?: string | undefined;
  /** `QUOTA_EXCEEDED`: where the caller stands against their plan. */
  readonly quota?: QuotaFigures | undefined;
  /** `RATE_LIMITED`, `PENDING`, throttling: seconds to wait (the body's, else the `Retry-After` header's). */
  readonly retryAfter?: number | undefined;
}

/** The one error type the client throws, for the API's errors, S3's refusals and network failures alike. */
export class FileApiError extends Error {
  override readonly name = 'FileApiError';

  constructor(
    /** HTTP status; 0 when no answer arrived (network failure, abort). */
    readonly status: number,
    /** The API's error code (`UNSUPPORTED_TYPE`…), `S3_<Code>` for S3's refusals, or `NETWORK_ERROR` / `ABORTED`. */
    readonly code: FileErrorCode,
    message: string,
    details: FileApiErrorDetails = {},
  ) {
    super(message);
    this.requestId = details.requestId;
    this.quota = details.quota;
    this.retryAfter = details.retryAfter;
  }

  /** The API's request id, to quote when reporting a problem. */
  readonly requestId: string | undefined;
  /** `QUOTA_EXCEEDED`: used, reserved and allowed bytes and files. Never retried: it is the same answer until files go. */
  readonly quota: QuotaFigures | undefined;
  /** Seconds to wait before trying again, when the API said so. */
  readonly retryAfter: number | undefined;

  /** Worth trying again: the network, a throttle, or the server's side. */
  get retryable(): boolean {
    return this.status === 0 ? this.code === 'NETWORK_ERROR' : this.status === 429 || this.status >= 500;
  }
}

/** Turns an API answer that is not OK into a `FileApiError`, whatever shape its body has. */
export async function apiError(response: Response): Promise<FileApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as Partial<ApiErrorBody> | undefined)?.error;
  const header = Number(response.headers.get('retry-after') ?? Number.NaN);
  const retryAfter = error?.retryAfter ?? (Number.isFinite(header) && header >= 0 ? header : undefined);
  if (error?.code) {
    return new FileApiError(response.status, error.code, error.message ?? error.code, {
      requestId: error.requestId,
      quota: error.quota,
      retryAfter,
    });
  }
  // API Gateway's own answers (authorizer, throttling) are `{"message": "..."}`.
  const message = (body as { message?: string } | undefined)?.message ?? (text || response.statusText);
  const code = Object.hasOwn(GATEWAY_ERROR_CODES, response.status)
    ? GATEWAY_ERROR_CODES[response.status as keyof typeof GATEWAY_ERROR_CODES]
    : undefined;
  return new FileApiError(response.status, code ?? `HTTP_${response.status}`, message, { retryAfter });
}

/** Turns S3's XML refusal into a `FileApiError` with code `S3_<Code>` (`S3_AccessDenied`, `S3_SignatureDoesNotMatch`…). */
export function storageError(status: number, xml: string): FileApiError {
  const code = /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] ?? `HTTP_${status}`;
  const message = /<Message>([^<]+)<\/Message>/.exec(xml)?.[1] ?? `S3 answered ${status}`;
  return new FileApiError(status, `S3_${code}`, message);
}

/**
 * S3's refusal of a URL that is simply too old (or signed by expired credentials): signing it
 * again fixes it. Given the URL's `expiresAt`, a network error after it counts too: in a browser,
 * S3's 403 may arrive without CORS headers, and the page then sees only a failed request.
 */
export function isExpiredUrl(error: unknown, expiresAt?: number, now: number = Date.now()): boolean {
  if (!(error instanceof FileApiError)) return false;
  if (error.code === 'NETWORK_ERROR' && expiresAt !== undefined && now >= expiresAt) return true;
  return (error.status === 403 && /expired/i.test(error.message)) || error.code === 'S3_ExpiredToken';
}
