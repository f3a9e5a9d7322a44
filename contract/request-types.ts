/**
 * What each route takes, as plain types: the client publishes these, so its declarations need
 * no valibot. `test/contract/request-types.test.ts` proves each equals what the handlers'
 * schemas in `requests.ts` accept, so the two cannot drift.
 */

/** `POST /uploads` body. */
export interface UploadRequest {
  filename: string;
  contentType: string;
  /** Bytes, at least 1. */
  size: number;
  /** Base64 SHA-256 of the whole file (single PUT only); S3 refuses other bytes. */
  checksumSha256?: string | undefined;
  /**
   * A multipart upload whose every part carries its SHA-256, signed into its URL, so S3 refuses a
   * part with other bytes; the object's checksum is then S3's composite one (`…-N`).
   */
  partChecksums?: boolean | undefined;
}

/** `POST /uploads/{id}/parts` body. */
export interface PartUrlsRequest {
  /** 1 to `MAX_PARTS_PER_BATCH` distinct part numbers. */
  partNumbers: number[];
  /** Each part's base64 SHA-256, in the order of `partNumbers`: required by an upload started with `partChecksums`. */
  checksumsSha256?: string[] | undefined;
}

/** `POST /uploads/{id}/complete` body: every part, with the `ETag` S3 answered to its PUT. */
export interface CompleteUploadRequest {
  /** `checksumSha256`: the part's, as signed into its URL; required by an upload started with `partChecksums`. */
  parts: { partNumber: number; etag: string; checksumSha256?: string | undefined }[];
}

/** `POST /downloads` body. */
export interface DownloadRequest {
  id: string;
  disposition?: 'inline' | 'attachment' | undefined;
  /** Seconds; clamped to the longest download URL the deployment allows. */
  expiresIn?: number | undefined;
}

/** `GET /files` query: `limit` as the number it stands for. */
export interface ListRequest {
  cursor?: string | undefined;
  limit?: number | undefined;
  status?: 'pending' | 'available' | 'rejected' | undefined;
}
