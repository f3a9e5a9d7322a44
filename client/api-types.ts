/**
 * The wire contract of the file API: what each route takes and answers. The handlers
 * annotate their answers with these types, so client and server cannot drift.
 */

/** `POST /uploads` body. */
export interface UploadRequest {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** Base64 SHA-256 of the whole file; S3 refuses other bytes. */
  readonly checksumSha256?: string;
}

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

/** `POST /downloads` body. */
export interface DownloadRequest {
  readonly key: string;
  readonly disposition?: 'inline' | 'attachment';
  readonly expiresIn?: number;
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

/** Every error answer of our API: `{"error": {...}}`. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly requestId?: string };
}
