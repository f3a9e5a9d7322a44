/**
 * What each route answers. The handlers annotate their answers with these types and the client
 * reads them, so the two cannot drift.
 */
import type { QuotaFigures } from './errors';

/**
 * Where a file is in its life: `pending` from the moment its upload URL is issued until the
 * verifier has read its bytes; then `available` (downloadable) or `rejected` (the bytes are not
 * what was declared; never downloadable). A deleted file is gone from every answer.
 */
export type FileStatus = 'pending' | 'available' | 'rejected';

/** Why the verifier rejected a file: a short, stable code. */
export type RejectedReason = 'TYPE_MISMATCH' | 'SIZE_MISMATCH' | 'NOT_TEXT' | 'UNREADABLE' | 'MALWARE' | 'SCAN_FAILED';

/** A file as the service knows it: `GET /files/{id}`, an entry of `GET /files`, and the answer of a completion. */
export interface FileRecord {
  /** Opaque and URL-safe: how every route names the file. */
  readonly id: string;
  /** Where the bytes are, made by the server; informative only, no route accepts it. */
  readonly key: string;
  /** The name as the uploader gave it. */
  readonly name: string;
  /** Declared size, in bytes; an available file's stored size is exactly this. */
  readonly size: number;
  readonly contentType: string;
  readonly status: FileStatus;
  /** ISO 8601: when the upload URL was issued. */
  readonly createdAt: string;
  /** ISO 8601: when the verifier decided. */
  readonly verifiedAt?: string;
  /** Present when `status` is `rejected`. */
  readonly rejectedReason?: RejectedReason;
}

/** `POST /uploads` answer for a file sent in one PUT. */
export interface SinglePutUpload {
  readonly id: string;
  readonly key: string;
  readonly status: 'pending';
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
  readonly id: string;
  readonly key: string;
  readonly status: 'pending';
  /** Every part's length but the last one's. */
  readonly partSize: number;
  readonly partCount: number;
  /** URLs for the first parts (at most `MAX_PARTS_PER_BATCH`); ask `POST /uploads/{id}/parts` for the rest. */
  readonly parts: readonly PartUrl[];
  /** ISO 8601: when these part URLs expire. */
  readonly expiresAt: string;
}

/** Either answer of `POST /uploads`. */
export type UploadPlan = SinglePutUpload | MultipartUpload;

/** `POST /uploads/{id}/parts` answer. */
export interface PartUrls {
  readonly id: string;
  readonly parts: readonly PartUrl[];
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** One part S3 already holds. */
export interface UploadedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

/** `GET /uploads/{id}` answer: what a multipart upload holds so far, to resume it after a reload. */
export interface UploadProgressState {
  readonly id: string;
  readonly partSize: number;
  readonly partCount: number;
  readonly uploadedParts: readonly UploadedPart[];
}

/** `POST /uploads/{id}/complete` answer: the file's record, `pending` until verified. */
export type CompletedUpload = FileRecord;

/** `POST /downloads` answer. */
export interface DownloadUrl {
  readonly id: string;
  readonly url: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly size: number;
  readonly contentType: string;
  readonly name: string;
}

/** `GET /files` answer, newest first. */
export interface FileListPage {
  readonly files: readonly FileRecord[];
  /** Pass as `cursor` for the next page; absent on the last one. */
  readonly nextCursor?: string;
}

/** `GET /health` answer: 200 `ok`, 503 `degraded`; nothing else is ever said. */
export interface HealthStatus {
  readonly status: 'ok' | 'degraded';
}

/** One operation's rate window, as `GET /usage` reports it. */
export interface RateWindow {
  /** URLs the plan allows per window. */
  readonly limit: number;
  readonly remaining: number;
  /** ISO 8601: when the window resets. */
  readonly resetAt: string;
}

/** `GET /usage` answer: the caller's plan, their storage against it, and their URL rates. */
export interface Usage extends QuotaFigures {
  /** The plan's name: `default`, or the Cognito group that selected it. */
  readonly plan: string;
  /** Largest single file the plan allows. */
  readonly maxFileBytes: number;
  readonly pendingUploads: number;
  readonly maxPendingUploads: number;
  /** Longest download URL the plan allows, in seconds. */
  readonly maxDownloadUrlTtlSeconds: number;
  readonly rate: { readonly upload: RateWindow; readonly download: RateWindow };
}

/**
 * `GET /config`: what the deployment accepts, the same for every caller (a plan's own limits are
 * in `GET /usage`). Browsers may cache it for a few minutes.
 */
export interface ServiceConfig {
  /** Allowed content types, each with the lower-case extensions (no dot) a file name may end in. */
  readonly allowedContentTypes: Readonly<Record<string, readonly string[]>>;
  /** Other names of allowed types, each mapped to the allowed type it is recorded as. */
  readonly contentTypeAliases: Readonly<Record<string, string>>;
  /** Largest file anyone may upload, in bytes; a plan may allow less. */
  readonly maxUploadBytes: number;
  /** Above this size a file goes in parts. */
  readonly multipartThresholdBytes: number;
}
