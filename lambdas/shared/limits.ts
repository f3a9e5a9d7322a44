/**
 * Limits and defaults of the file service, in one place.
 *
 * Imported by the CDK construct (bucket CORS, bucket policy, Lambda environment), by the
 * handlers (validation, URL lifetimes) and by local mode (emulator CORS), so the three
 * cannot drift. This module must stay free of aws-cdk-lib and SDK imports: it is bundled
 * into every Lambda.
 */

/** Who may read an object: only its owner, or any signed-in user (e.g. profile photos). */
export type ReadAccess = 'owner' | 'authenticated';

/** Allowed MIME types, each with the lower-case file extensions (no dot) it may carry. */
export type ContentTypeAllowList = Readonly<Record<string, readonly string[]>>;

/** Everything a deployment can tune. Sizes in bytes, durations in seconds. */
export interface FileServiceLimits {
  /** Browser origins allowed to call the API and the bucket (CORS). */
  readonly allowedOrigins: readonly string[];
  /** Who may read an object. */
  readonly readAccess: ReadAccess;
  /** Largest file a user may upload. */
  readonly maxUploadBytes: number;
  /** Content types a user may upload, with their extensions. */
  readonly allowedContentTypes: ContentTypeAllowList;
  /** Lifetime of an upload URL. */
  readonly uploadUrlTtlSeconds: number;
  /** Lifetime of a download URL when the client does not ask for one. */
  readonly downloadUrlTtlSeconds: number;
  /** Longest download URL a client may ask for (`expiresIn` is clamped to it). */
  readonly maxDownloadUrlTtlSeconds: number;
  /** Files larger than this are uploaded in parts (multipart upload). */
  readonly multipartThresholdBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/** S3's own limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const S3_LIMITS = {
  /** Largest object a single PUT may write. */
  maxSinglePutBytes: 5 * GiB,
  /** Largest object S3 stores. */
  maxObjectBytes: 5 * TiB,
  /** Parts of a multipart upload: 5 MiB to 5 GiB each (the last may be smaller), at most 10,000. */
  minPartBytes: 5 * MiB,
  maxPartBytes: 5 * GiB,
  maxParts: 10_000,
  /** Object keys are at most 1,024 bytes of UTF-8. */
  maxKeyBytes: 1024,
  /**
   * User-defined metadata (`x-amz-meta-*`) is at most 2 KB: the UTF-8 bytes of every name and value
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata).
   */
  maxUserMetadataBytes: 2048,
} as const;

/**
 * Margin added to the longest URL lifetime in the bucket policy's `s3:signatureAge` limit, for
 * the clock difference between the Lambda that signs and S3 that checks.
 */
export const CLOCK_SKEW_MARGIN_SECONDS = 60;

/** Lifetime of a signing role session: role chaining (a Lambda's role assuming another) caps it at one hour. */
export const ROLE_SESSION_SECONDS = 3600;

/**
 * Longest URL we can issue. A presigned URL dies with the credentials that signed it, so
 * longer URLs would be a lie; the margin keeps the bucket policy's signature-age limit within
 * the hour too.
 */
export const MAX_URL_TTL_SECONDS = ROLE_SESSION_SECONDS - CLOCK_SKEW_MARGIN_SECONDS;

/** Safe defaults: images, documents, audio and video; nothing a browser would run (no HTML, SVG, JS). */
export const DEFAULT_CONTENT_TYPES: ContentTypeAllowList = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/avif': ['avif'],
  'image/heic': ['heic'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt'],
  'text/csv': ['csv'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'audio/mpeg': ['mp3'],
  'audio/mp4': ['m4a'],
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'video/quicktime': ['mov'],
};

/** The defaults every prop and context value falls back to. */
export const DEFAULT_LIMITS: FileServiceLimits = {
  allowedOrigins: ['http://localhost:3000'],
  readAccess: 'owner',
  maxUploadBytes: 5 * GiB,
  allowedContentTypes: DEFAULT_CONTENT_TYPES,
  uploadUrlTtlSeconds: 600,
  downloadUrlTtlSeconds: 300,
  maxDownloadUrlTtlSeconds: 3300,
  multipartThresholdBytes: 100 * MiB,
};

/**
 * Headers an upload URL may sign; the client must send the ones it is given, unchanged.
 * `content-length` makes S3 refuse any other size, `x-amz-checksum-sha256` any other bytes,
 * `if-none-match: *` an overwrite; `x-amz-meta-filename` carries the original name for downloads.
 */
const SIGNED_UPLOAD_HEADERS = ['content-type', 'content-length', 'if-none-match', 'x-amz-checksum-sha256', 'x-amz-meta-filename'] as const;

/** A bucket CORS rule in neutral form: mapped to CDK's `CorsRule` and to the emulator's XML. */
export interface BucketCorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly ('GET' | 'HEAD' | 'PUT')[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/** The bucket's CORS rule: browsers may PUT and GET with the signed headers and read `ETag` (multipart needs it). */
export function bucketCorsRule(limits: FileServiceLimits): BucketCorsRule {
  return {
    allowedOrigins: limits.allowedOrigins,
    allowedMethods: ['GET', 'HEAD', 'PUT'],
    // `range` lets a video element seek through a presigned GET.
    allowedHeaders: [...SIGNED_UPLOAD_HEADERS, 'range'],
    exposedHeaders: ['etag', 'content-length', 'content-range', 'accept-ranges'],
    maxAgeSeconds: 3600,
  };
}

/** The longest lifetime of any URL we issue: the bucket policy refuses older signatures. */
export function longestUrlTtlSeconds(limits: FileServiceLimits): number {
  return Math.max(limits.uploadUrlTtlSeconds, limits.downloadUrlTtlSeconds, limits.maxDownloadUrlTtlSeconds);
}

/** Thrown when limits are inconsistent: at synth time in CDK, at init in a Lambda. */
class InvalidLimitsError extends Error {
  override readonly name = 'InvalidLimitsError';
}

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const EXTENSION = /^[a-z0-9]{1,10}$/;
const ORIGIN = /^(https:\/\/[a-z0-9.-]+(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?)$/;

/** Fills in defaults and checks that the result is consistent; throws `InvalidLimitsError` with every problem found. */
export function resolveLimits(overrides: Partial<FileServiceLimits> = {}): FileServiceLimits {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const limits: FileServiceLimits = { ...DEFAULT_LIMITS, ...defined };
  const problems = limitProblems(limits);
  if (problems.length > 0) throw new InvalidLimitsError(`Invalid file service limits: ${problems.join('; ')}`);
  return limits;
}

function limitProblems(limits: FileServiceLimits): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const isWhole = (value: unknown, min: number, max: number) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

  check(
    Array.isArray(limits.allowedOrigins) &&
      limits.allowedOrigins.every((origin: unknown) => typeof origin === 'string' && ORIGIN.test(origin)),
    'allowedOrigins must be a list of https:// origins (or http://localhost) without paths or wildcards',
  );
  check(limits.readAccess === 'owner' || limits.readAccess === 'authenticated', "readAccess must be 'owner' or 'authenticated'");
  check(
    isWhole(limits.maxUploadBytes, 1, S3_LIMITS.maxObjectBytes),
    `maxUploadBytes must be a whole number from 1 to ${S3_LIMITS.maxObjectBytes}`,
  );
  check(
    isWhole(limits.multipartThresholdBytes, S3_LIMITS.minPartBytes, S3_LIMITS.maxSinglePutBytes),
    `multipartThresholdBytes must be from ${S3_LIMITS.minPartBytes} to ${S3_LIMITS.maxSinglePutBytes}`,
  );
  check(isWhole(limits.uploadUrlTtlSeconds, 60, MAX_URL_TTL_SECONDS), `uploadUrlTtlSeconds must be from 60 to ${MAX_URL_TTL_SECONDS}`);
  check(
    isWhole(limits.maxDownloadUrlTtlSeconds, 60, MAX_URL_TTL_SECONDS),
    `maxDownloadUrlTtlSeconds must be from 60 to ${MAX_URL_TTL_SECONDS}`,
  );
  check(
    isWhole(limits.downloadUrlTtlSeconds, 60, limits.maxDownloadUrlTtlSeconds),
    'downloadUrlTtlSeconds must be from 60 to maxDownloadUrlTtlSeconds',
  );
  const types = Object.entries(limits.allowedContentTypes ?? {});
  check(types.length > 0, 'allowedContentTypes must name at least one content type');
  for (const [type, extensions] of types) {
    check(MIME_TYPE.test(type), `content type '${type}' must be a lower-case type/subtype`);
    check(
      Array.isArray(extensions) &&
        extensions.length > 0 &&
        extensions.every((extension: unknown) => typeof extension === 'string' && EXTENSION.test(extension)),
      `content type '${type}' needs lower-case extensions without a dot`,
    );
  }
  return problems;
}

/** Name of the environment variable that carries the limits into a Lambda. */
export const LIMITS_ENVIRONMENT_VARIABLE = 'FILE_SERVICE_LIMITS';

/** Reads the limits a construct serialised into a Lambda's environment; fails loudly at init when they are missing or invalid. */
export function limitsFromEnvironment(environment: Readonly<Record<string, string | undefined>>): FileServiceLimits {
  const serialised = environment[LIMITS_ENVIRONMENT_VARIABLE];
  if (!serialised) throw new InvalidLimitsError(`${LIMITS_ENVIRONMENT_VARIABLE} is not set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(serialised);
  } catch {
    throw new InvalidLimitsError(`${LIMITS_ENVIRONMENT_VARIABLE} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidLimitsError(`${LIMITS_ENVIRONMENT_VARIABLE} is not an object`);
  return resolveLimits(parsed);
}
