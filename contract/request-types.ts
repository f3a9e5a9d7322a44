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
}

/** `POST /uploads/{id}/parts` body. */
export interface PartUrlsRequest {
  /** 1 to `MAX_PARTS_PER_BATCH` distinct part numbers. */
  partNumbers: number[];
}

/** `POST /uploads/{id}/complete` body: every part, with the `ETag` S3 answered to its PUT. */
export interface CompleteUploadRequest {
  parts: { partNumber: number; etag: string }[];
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
