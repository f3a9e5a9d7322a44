/**
 * Facts both sides of the API need: S3's own limits and the sizes of batches and pages. Plain
 * numbers, no library: the client may import them without growing its bundle.
 */

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

/** Most part URLs signed in one answer: keeps the JSON small even for a 10,000-part file. */
export const MAX_PARTS_PER_BATCH = 100;

/** Files per page of `GET /files` when the client does not ask for a `limit`. */
export const DEFAULT_LIST_LIMIT = 100;

/** Largest page of `GET /files`: S3's own largest listing page. */
export const MAX_LIST_LIMIT = 1000;

/** Largest request body the API accepts: a completion of 10,000 parts fits with room to spare. */
export const MAX_BODY_BYTES = MiB;

/** Longest `contentType` a request may carry (RFC 6838 allows 127 + 1 + 127 characters). */
export const MAX_CONTENT_TYPE_LENGTH = 255;

/**
 * The grammar of a file id: 22 URL-safe base64 characters, 128 random bits. Checked before any
 * lookup, so nothing else ever reaches the table.
 */
export const FILE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
