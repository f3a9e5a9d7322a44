/**
 * What each route takes, as valibot schemas: the handlers validate with them. The client
 * publishes the plain types of `request-types.ts` instead (no valibot in its declarations),
 * proved equal to these schemas' by a type-level test.
 */
import * as v from 'valibot';
import { DEFAULT_LIST_LIMIT, FILE_ID_PATTERN, MAX_CONTENT_TYPE_LENGTH, MAX_LIST_LIMIT, MAX_PARTS_PER_BATCH, S3_LIMITS } from './constants';

/** A file id: the grammar first, so a forged one is a 400 `INVALID_ID` before any lookup. */
const FileIdSchema = v.pipe(v.string('must be a string'), v.regex(FILE_ID_PATTERN, 'is not a file id'));
/** S3's `x-amz-checksum-sha256`: a base64 SHA-256. */
const SHA256_BASE64 = v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64-encoded SHA-256'));
const PART_NUMBER = v.pipe(
  v.number('must be a number'),
  v.integer('must be a whole number'),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(S3_LIMITS.maxParts, `must be at most ${S3_LIMITS.maxParts}`),
);

/** `POST /uploads`. */
export const UploadRequestSchema = v.strictObject({
  filename: v.string('must be a string'),
  contentType: v.pipe(
    v.string('must be a string'),
    v.maxLength(MAX_CONTENT_TYPE_LENGTH, `must be at most ${MAX_CONTENT_TYPE_LENGTH} characters`),
  ),
  size: v.pipe(v.number('must be a number'), v.integer('must be a whole number of bytes'), v.minValue(1, 'must be at least 1 byte')),
  /** Base64 SHA-256 of the whole file; S3 refuses other bytes. */
  checksumSha256: v.optional(
    v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64-encoded SHA-256 of the file')),
  ),
  /** A multipart upload whose every part carries its SHA-256: part URLs are then asked for with `checksumsSha256`. */
  partChecksums: v.optional(v.boolean('must be a boolean')),
});

/** The path of every `/uploads/{id}…` and `/files/{id}` route. */
export const IdPathSchema = v.object({ id: FileIdSchema });

/** `POST /uploads/{id}/parts`: more part URLs, or fresh ones for URLs that expired. */
export const PartUrlsRequestSchema = v.strictObject({
  partNumbers: v.pipe(
    v.array(PART_NUMBER, 'must be a list of part numbers'),
    v.minLength(1, 'must name at least one part'),
    v.maxLength(MAX_PARTS_PER_BATCH, `must name at most ${MAX_PARTS_PER_BATCH} parts`),
    v.check((numbers) => new Set(numbers).size === numbers.length, 'must not repeat a part number'),
  ),
  /** Each part's base64 SHA-256, in the order of `partNumbers`: required by an upload started with `partChecksums`. */
  checksumsSha256: v.optional(
    v.pipe(
      v.array(SHA256_BASE64, 'must be a list of base64 SHA-256s'),
      v.maxLength(MAX_PARTS_PER_BATCH, `must name at most ${MAX_PARTS_PER_BATCH} checksums`),
    ),
  ),
});

/** `POST /uploads/{id}/complete`: every part, with the `ETag` S3 answered to its PUT. */
export const CompleteUploadRequestSchema = v.strictObject({
  parts: v.pipe(
    v.array(
      v.strictObject({
        partNumber: PART_NUMBER,
        // S3's ETags: quoted hex, with a suffix for some encryptions; quotes optional here.
        etag: v.pipe(v.string('must be a string'), v.regex(/^"?[A-Za-z0-9-]{1,64}"?$/, 'is not an ETag')),
        /** The part's SHA-256, as signed into its URL: required by an upload started with `partChecksums`. */
        checksumSha256: v.optional(SHA256_BASE64),
      }),
      'must be a list of {partNumber, etag, checksumSha256?}',
    ),
    v.minLength(1, 'must list every part'),
    v.maxLength(S3_LIMITS.maxParts, `must list at most ${S3_LIMITS.maxParts} parts`),
  ),
});

/** `POST /downloads`. */
export const DownloadRequestSchema = v.strictObject({
  id: FileIdSchema,
  disposition: v.optional(v.picklist(['inline', 'attachment'], "must be 'inline' or 'attachment'")),
  /** Seconds; clamped to the longest download URL the deployment allows. */
  expiresIn: v.optional(
    v.pipe(v.number('must be a number'), v.integer('must be whole seconds'), v.minValue(1, 'must be at least 1 second')),
  ),
});

const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_LIST_LIMIT}`;

/** The query of `GET /files`. Query values arrive as strings. */
export const ListRequestSchema = v.object({
  cursor: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(1024, 'must be at most 1024 characters'))),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, LIMIT_MESSAGE),
      v.transform(Number),
      v.minValue(1, LIMIT_MESSAGE),
      v.maxValue(MAX_LIST_LIMIT, LIMIT_MESSAGE),
    ),
    String(DEFAULT_LIST_LIMIT),
  ),
  status: v.optional(v.picklist(['pending', 'available', 'rejected'], "must be 'pending', 'available' or 'rejected'")),
});
