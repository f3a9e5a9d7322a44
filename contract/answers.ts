/**
 * What each route answers. The handlers annotate their answers with these types and the client
 * reads them, so the two cannot drift.
 */

/** `POST /uploads` answer for a file sent in one PUT. */
export interface SinglePutUpload {
  readonly key: string;
  readonly method: 'PUT';
  readonly url: string;
  /** Exactly the headers signed into `url`: send them unchanged. */
  readonly headers: Readonly<Record<string, string>>;
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** One part's presigned PUT: send exactly `headers` (its `content-length`) and keep the answer's `ETag`. */
export interface PartUrl {
  readonly partNumber: number;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** `POST /uploads` answer for a file above the multipart threshold: the plan and the first part URLs. */
export interface MultipartUpload {
  readonly key: string;
  readonly uploadId: string;
  /** Every part's length but the last one's. */
  readonly partSize: number;
  readonly partCount: number;
  /** URLs for the first parts (at most `MAX_PARTS_PER_BATCH`); ask `POST /uploads/parts` for the rest. */
  readonly parts: readonly PartUrl[];
  /** ISO 8601: when these part URLs expire. */
  readonly expiresAt: string;
}

/** Either answer of `POST /uploads`. */
export type UploadPlan = SinglePutUpload | MultipartUpload;

/** `POST /uploads/parts` answer. */
export interface PartUrls {
  readonly key: string;
  readonly uploadId: string;
  readonly parts: readonly PartUrl[];
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** `POST /uploads/complete` answer. */
export interface CompletedUpload {
  readonly key: string;
  readonly size: number;
}

/** `POST /downloads` answer. */
export interface DownloadUrl {
  readonly key: string;
  readonly url: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly size: number;
  readonly contentType: string;
  /** ISO 8601. */
  readonly lastModified: string;
}

/** One entry of `GET /files`. */
export interface FileEntry {
  readonly key: string;
  /** The safe name the key ends with. */
  readonly name: string;
  readonly size: number;
  /** ISO 8601. */
  readonly lastModified?: string;
}

/** `GET /files` answer. */
export interface FileListPage {
  readonly files: readonly FileEntry[];
  /** Pass as `cursor` for the next page; absent on the last one. */
  readonly nextCursor?: string;
}
