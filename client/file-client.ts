/**
 * The typed client of the file API, for browsers and Node.js 20+: it asks the API for URLs
 * and moves the bytes to and from S3 itself, sending exactly the headers the URL was signed
 * with.
 */
import type { DownloadUrl, FileListPage, FileRecord, UploadPlan } from '../contract/answers';
import type { DownloadRequest, ListRequest, UploadRequest } from '../contract/request-types';
import { apiError, FileApiError, isExpiredUrl } from './errors';
import { uploadInParts } from './multipart-upload';
import { aborted, putBytes } from './put-object';
import { withRetries } from './retry';

/** How to reach the API. */
export interface FileClientOptions {
  /** The API's base URL (the `ApiUrl` output). */
  readonly apiUrl: string;
  /**
   * A current Cognito **access** token (the API refuses ID tokens); called before every API
   * request, so it may refresh. Called with `forceRefresh: true` when the API refused the token
   * (401), or could not be reached at all: a browser sees API Gateway's 401 as a network error
   * when it comes without CORS headers. `cognitoTokenSource` does both.
   */
  readonly getToken: (request: { readonly forceRefresh: boolean }) => string | Promise<string>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Retries of each request on network errors, throttling and server errors, with backoff; uploads may override it. @default 3 */
  readonly retries?: number;
  /** The clock, in epoch milliseconds, against which URLs' `expiresAt` are read. @default Date.now */
  readonly now?: () => number;
}

/** A URL this close to its `expiresAt` is signed again before use rather than sent to fail. */
const URL_EXPIRY_MARGIN_MS = 30_000;

/** Upload progress, in bytes. */
export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

/** How to upload one file. */
export interface UploadOptions {
  /** @default the `File`'s name; required for a `Blob` or `Uint8Array` */
  readonly filename?: string;
  /** @default the `Blob`'s type; required for a `Uint8Array` */
  readonly contentType?: string;
  /** Compute the SHA-256 (Web Crypto) and have S3 verify the bytes. @default false */
  readonly checksum?: boolean;
  /** Called as bytes are sent; `loaded` only grows, and ends at `total`. */
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Cancels the upload; a multipart upload is aborted, leaving nothing behind. */
  readonly signal?: AbortSignal;
  /** Parts sent at once in a multipart upload. @default 4 */
  readonly concurrency?: number;
  /** Retries of each request or part on network errors, throttling and server errors, with backoff. @default the client's */
  readonly retries?: number;
}

/** A finished upload: the file's record, `pending` until the service has verified its bytes. */
export type UploadedFile = FileRecord;

/** The file API, typed. */
export interface FileClient {
  upload(file: Blob | Uint8Array, options?: UploadOptions): Promise<UploadedFile>;
  /** The record of one of the caller's files (its `status` tells whether it may be downloaded yet). */
  get(id: string): Promise<FileRecord>;
  getDownloadUrl(id: string, options?: Omit<DownloadRequest, 'id'>): Promise<DownloadUrl>;
  list(options?: ListRequest): Promise<FileListPage>;
  /** Deletes one of the caller's files. */
  remove(id: string): Promise<void>;
}

/** Creates a client for one API. */
export function createFileClient(options: FileClientOptions): FileClient {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const http = options.fetch ?? ((input, init) => fetch(input, init));
  const defaultRetries = options.retries ?? 3;
  const now = options.now ?? (() => Date.now());

  type Method = 'GET' | 'POST' | 'DELETE';

  async function send(method: Method, path: string, token: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    try {
      return await http(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw signal?.aborted ? aborted() : new FileApiError(0, 'NETWORK_ERROR', `The API could not be reached: ${String(error)}`);
    }
  }

  async function call<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await send(method, path, await options.getToken({ forceRefresh: false }), body, signal);
      if (response.status === 401) throw new FileApiError(401, 'UNAUTHORIZED', 'The token was refused.');
    } catch (error) {
      // A refused token, or (in a browser) a 401 without CORS headers, which looks like no answer at all:
      // try once more with a fresh token before calling it a network error.
      const refreshable = error instanceof FileApiError && (error.status === 401 || error.code === 'NETWORK_ERROR');
      if (!refreshable) throw error;
      response = await send(method, path, await options.getToken({ forceRefresh: true }), body, signal);
    }
    if (!response.ok) throw await apiError(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  return {
    async upload(file, uploadOptions = {}) {
      const request = await uploadRequestFor(file, uploadOptions);
      const { signal, onProgress } = uploadOptions;
      const retries = uploadOptions.retries ?? defaultRetries;
      let loaded = 0;
      const report = (bytes: number) => {
        // Monotonic even when a retried part starts over.
        if (bytes <= loaded) return;
        loaded = Math.min(bytes, request.size);
        onProgress?.({ loaded, total: request.size });
      };
      const askPlan = () => withRetries(() => call<UploadPlan>('POST', '/uploads', request, signal), { retries, signal });

      let plan = await askPlan();
      if ('parts' in plan) {
        const completed = await uploadInParts({
          file,
          plan: plan,
          call: (method, path, body, callSignal) => call(method, path, body, callSignal),
          onProgress: report,
          concurrency: uploadOptions.concurrency ?? 4,
          retries,
          signal,
          fetch: options.fetch,
          now,
        });
        report(request.size);
        return completed;
      }
      for (let resigned = 0; ; resigned += 1) {
        const { url, headers, expiresAt } = plan as Extract<UploadPlan, { method: 'PUT' }>;
        const expires = Date.parse(expiresAt);
        // About to expire (the file waited, a laptop slept): ask for a fresh upload rather than send bytes to a refusal
        // the browser may not even be able to read.
        if (expires - now() <= URL_EXPIRY_MARGIN_MS && resigned === 0) {
          plan = await askPlan();
          continue;
        }
        try {
          await withRetries(() => putBytes(url, file, { headers, onProgress: report, signal, fetch: options.fetch }), { retries, signal });
          report(request.size);
          const { id } = plan;
          return await withRetries(() => call<FileRecord>('GET', `/files/${id}`, undefined, signal), { retries, signal });
        } catch (error) {
          // An expired single-PUT URL cannot be re-signed for its key: ask for a fresh upload.
          if (!isExpiredUrl(error, expires, now()) || resigned >= 1) throw error;
          plan = await askPlan();
        }
      }
    },

    get(id) {
      return withRetries(() => call<FileRecord>('GET', `/files/${encodeURIComponent(id)}`), { retries: defaultRetries });
    },

    getDownloadUrl(id, downloadOptions = {}) {
      return withRetries(() => call<DownloadUrl>('POST', '/downloads', { id, ...downloadOptions }), { retries: defaultRetries });
    },

    remove(id) {
      return withRetries(() => call<void>('DELETE', `/files/${encodeURIComponent(id)}`), { retries: defaultRetries });
    },

    list(listOptions = {}) {
      const query = new URLSearchParams();
      if (listOptions.cursor) query.set('cursor', listOptions.cursor);
      if (listOptions.limit !== undefined) query.set('limit', String(listOptions.limit));
      if (listOptions.status) query.set('status', listOptions.status);
      return withRetries(() => call<FileListPage>('GET', `/files${query.size > 0 ? `?${query}` : ''}`), { retries: defaultRetries });
    },
  };
}

async function uploadRequestFor(file: Blob | Uint8Array, options: UploadOptions): Promise<UploadRequest> {
  const filename = options.filename ?? (file as { name?: string }).name;
  const contentType = options.contentType ?? (file instanceof Blob ? file.type : undefined);
  if (!filename) throw new FileApiError(0, 'INVALID_REQUEST', 'filename is required when the file has no name.');
  if (!contentType) throw new FileApiError(0, 'INVALID_REQUEST', 'contentType is required when the file has no type.');
  const size = file instanceof Blob ? file.size : file.byteLength;
  return {
    filename,
    contentType,
    size,
    ...(options.checksum && { checksumSha256: await sha256Base64(file) }),
  };
}

/** The base64 SHA-256 S3 expects in `x-amz-checksum-sha256`, by Web Crypto (browsers and Node.js alike). */
export async function sha256Base64(file: Blob | Uint8Array): Promise<string> {
  const bytes = file instanceof Blob ? await file.arrayBuffer() : file;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary);
}
