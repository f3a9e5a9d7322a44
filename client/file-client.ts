/**
 * The typed client of the file API, for browsers and Node.js 20+: it asks the API for URLs
 * and moves the bytes to and from S3 itself, sending exactly the headers the URL was signed
 * with.
 */
import type {
  DownloadUrl,
  FileListPage,
  FileRecord,
  ServiceConfig,
  SinglePutUpload,
  UploadPlan,
  UploadProgressState,
  Usage,
} from '../contract/answers';
import type { DownloadRequest, ListRequest, UploadRequest } from '../contract/request-types';
import { S3_LIMITS } from '../contract/constants';
import { sha256Base64 } from './checksums';
import { apiError, FileApiError, isExpiredUrl } from './errors';
import { isGenericType, uploadContentType } from './content-types';
import { uploadInParts, type PartsPlan } from './multipart-upload';
export { sha256Base64 } from './checksums';
import { PauseGate } from './pause-gate';
import { aborted, putBytes } from './put-object';
import { sleep as realSleep, withRetries, type Sleep } from './retry';

/** How to reach the API. */
export interface FileClientOptions {
  /** The API's base URL (the `ApiUrl` output). */
  readonly apiUrl: string;
  /**
   * A current **access** token (the API refuses ID tokens): bring your own auth (Amplify Auth,
   * your OIDC library) or use `cognitoTokenSource`. Called before every API request, so it may
   * refresh; called with `forceRefresh: true` when the API refused the token (401), or could not
   * be reached at all: a browser sees API Gateway's 401 as a network error when it comes
   * without CORS headers.
   */
  readonly getToken: (request: { readonly forceRefresh: boolean }) => string | Promise<string>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Retries of each request on network errors, throttling and server errors, with backoff; uploads may override it. @default 3 */
  readonly retries?: number;
  /** The clock, in epoch milliseconds, against which URLs' `expiresAt` are read. @default Date.now */
  readonly now?: () => number;
  /** Waits between retries and polls; tests pass one that does not really wait. @default a timer */
  readonly sleep?: Sleep;
}

/** A URL this close to its `expiresAt` is signed again before use rather than sent to fail. */
const URL_EXPIRY_MARGIN_MS = 30_000;

/**
 * Where an upload is: `preparing` (checksum, asking for URLs, or what a resumed upload holds),
 * `uploading` (bytes), `completing` (S3 has every byte; the API completes the upload),
 * `verifying` (waiting for the service's verdict, with `waitUntilAvailable`), `done`.
 */
export type UploadPhase = 'preparing' | 'uploading' | 'completing' | 'verifying' | 'done';

/** Upload progress, in bytes: `loaded` only grows, and reaches `total` only once S3 has every byte. */
export interface UploadProgress {
  readonly phase: UploadPhase;
  readonly loaded: number;
  readonly total: number;
}

/**
 * What an app keeps (e.g. in `localStorage`) to resume a multipart upload after a reload: plain
 * JSON. Pass it back as `resume` with the same file.
 */
export interface ResumableUpload {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  /** The file's `lastModified`, when it had one: a different file of the same name and size is refused. */
  readonly lastModified?: number;
}

/** How to wait for the service's verdict on the bytes. */
export interface WaitOptions {
  /** Between two looks at the record. @default 1000 */
  readonly intervalMs?: number;
  /** Give up waiting after this long and answer the record as it is (`pending`). @default 60000 */
  readonly timeoutMs?: number;
}

/** How to upload one file. */
export interface UploadOptions {
  /** @default the `File`'s name; required for a `Blob` or `Uint8Array` */
  readonly filename?: string;
  /**
   * An alias (`audio/x-m4a`) is sent as the allowed type it stands for; a missing or generic
   * one (`''`, `application/octet-stream`) is found from the file name's extension in `config()`.
   * @default the `Blob`'s type; required for a `Uint8Array`
   */
  readonly contentType?: string;
  /**
   * Have S3 verify the bytes by SHA-256 (Web Crypto): a small file's whole SHA-256 in its one PUT,
   * or each part's, hashed from that part's slice alone, in a multipart upload (whose object
   * checksum is then S3's composite one). The file is never read whole into memory. @default false
   */
  readonly checksum?: boolean;
  /** Called as the upload moves on. */
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Cancels the upload; a multipart upload is aborted, leaving nothing behind. */
  readonly signal?: AbortSignal;
  /** Parts sent at once in a multipart upload. @default 4 */
  readonly concurrency?: number;
  /** Retries of each request or part on network errors, throttling and server errors, with backoff. @default the client's */
  readonly retries?: number;
  /** Resolve only once the service has verified the bytes (`available` or `rejected`). @default false */
  readonly waitUntilAvailable?: boolean | WaitOptions;
  /** Called once a multipart upload exists: persist the state to resume it after a reload. */
  readonly onResumable?: (state: ResumableUpload) => void;
  /** Continue this multipart upload (from `onResumable`) instead of starting a new one. */
  readonly resume?: ResumableUpload;
}

/** An upload under way. */
export interface UploadTask {
  /** The file's record: `pending` until verified, unless `waitUntilAvailable`. */
  readonly done: Promise<FileRecord>;
  /** Stops sending bytes; parts in flight are sent again on resume. The URLs and the upload stay. */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
}

/** Just the cancel signal. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** The file API, typed. Every call takes an `AbortSignal`. */
export interface FileClient {
  /** Uploads a file and resolves to its record. */
  upload(file: Blob | Uint8Array, options?: UploadOptions): Promise<FileRecord>;
  /** Starts an upload that can be paused and resumed. */
  startUpload(file: Blob | Uint8Array, options?: UploadOptions): UploadTask;
  /** Drops an upload that will not be finished (a persisted `ResumableUpload` the user gave up). */
  abortUpload(id: string, options?: CallOptions): Promise<void>;
  /** The record of one of the caller's files (its `status` tells whether it may be downloaded yet). */
  get(id: string, options?: CallOptions): Promise<FileRecord>;
  getDownloadUrl(id: string, options?: Omit<DownloadRequest, 'id'> & CallOptions): Promise<DownloadUrl>;
  list(options?: ListRequest & CallOptions): Promise<FileListPage>;
  /** Deletes one of the caller's files. */
  remove(id: string, options?: CallOptions): Promise<void>;
  /** The caller's plan, storage and URL rates. */
  usage(options?: CallOptions): Promise<Usage>;
  /** What the service accepts: allowed types, their aliases, size limits. Asked once, then kept. */
  config(options?: CallOptions): Promise<ServiceConfig>;
}

/** Creates a client for one API. */
export function createFileClient(options: FileClientOptions): FileClient {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const http = options.fetch ?? ((input, init) => fetch(input, init));
  const defaultRetries = options.retries ?? 3;
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? realSleep;

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

  /** A call retried on what retrying may fix (429 after its `Retry-After`). */
  const retried = <T>(method: Method, path: string, body?: unknown, signal?: AbortSignal, retries = defaultRetries) =>
    withRetries(() => call<T>(method, path, body, signal), { retries, signal, sleep });

  const fileRoute = (id: string) => `/files/${encodeURIComponent(id)}`;

  let configAsked: Promise<ServiceConfig> | undefined;
  let configKnown: ServiceConfig | undefined;
  function config(signal?: AbortSignal): Promise<ServiceConfig> {
    configAsked ??= retried<ServiceConfig>('GET', '/config', undefined, signal).then(
      (answer) => (configKnown = answer),
      (error: unknown) => {
        configAsked = undefined; // a failure (or a cancel) is not kept: the next call asks again
        throw error;
      },
    );
    return configAsked;
  }

  /** Asks for the config only when the type says nothing; maps an alias with the config once known. */
  async function contentTypeOf(file: Blob | Uint8Array, uploadOptions: UploadOptions): Promise<string | undefined> {
    const filename = uploadOptions.filename ?? (file as { name?: string }).name;
    const declared = uploadOptions.contentType ?? (file instanceof Blob ? file.type : undefined);
    // Raw bytes without a type stay refused: nothing says what they are but the name.
    if (!filename || declared === undefined) return declared;
    const known = isGenericType(declared) ? await config(uploadOptions.signal) : configKnown;
    return known ? uploadContentType(filename, declared, known) : declared;
  }

  function startUpload(file: Blob | Uint8Array, uploadOptions: UploadOptions = {}): UploadTask {
    const gate = new PauseGate();
    const done = runUpload(file, uploadOptions, gate);
    return {
      done,
      pause: () => gate.pause(),
      resume: () => gate.resume(),
      get paused() {
        return gate.paused;
      },
    };
  }

  async function runUpload(file: Blob | Uint8Array, uploadOptions: UploadOptions, gate: PauseGate): Promise<FileRecord> {
    const { signal, onProgress } = uploadOptions;
    const retries = uploadOptions.retries ?? defaultRetries;
    const size = file instanceof Blob ? file.size : file.byteLength;
    let phase: UploadPhase = 'preparing';
    let loaded = 0;
    const report = (next: UploadPhase, bytes: number) => {
      // Monotonic even when a retried or paused part starts over; 100 % only once S3 answered for every byte.
      const capped = next === 'uploading' ? Math.min(bytes, size - 1) : bytes;
      if (next === phase && capped <= loaded) return;
      phase = next;
      loaded = Math.max(loaded, capped);
      onProgress?.({ phase, loaded, total: size });
    };
    onProgress?.({ phase, loaded, total: size });

    let record: FileRecord;
    if (uploadOptions.resume) {
      record = await resumeParts(file, uploadOptions.resume, uploadOptions, gate, report, retries);
    } else {
      const request = await uploadRequestFor(file, { ...uploadOptions, contentType: await contentTypeOf(file, uploadOptions) });
      const askPlan = () => retried<UploadPlan>('POST', '/uploads', request, signal, retries);
      const plan = await askPlan();
      if ('parts' in plan) {
        uploadOptions.onResumable?.({
          id: plan.id,
          name: request.filename,
          size,
          ...(file instanceof File && { lastModified: file.lastModified }),
        });
        record = await sendParts(file, plan, [], uploadOptions, gate, report, retries);
      } else {
        record = await sendWhole(file, plan, askPlan, uploadOptions, gate, report, retries);
      }
    }
    if (uploadOptions.waitUntilAvailable) {
      report('verifying', size);
      record = await verdictOf(record, uploadOptions.waitUntilAvailable === true ? {} : uploadOptions.waitUntilAvailable, signal);
    }
    report('done', size);
    return record;
  }

  function sendParts(
    file: Blob | Uint8Array,
    plan: PartsPlan,
    uploaded: UploadProgressState['uploadedParts'],
    uploadOptions: UploadOptions,
    gate: PauseGate,
    report: (phase: UploadPhase, bytes: number) => void,
    retries: number,
  ): Promise<FileRecord> {
    return uploadInParts({
      file,
      plan,
      uploaded,
      call: (method, path, body, callSignal) => call(method, path, body, callSignal),
      onProgress: (bytes) => report('uploading', bytes),
      onPartsDone: () => report('completing', file instanceof Blob ? file.size : file.byteLength),
      checksums: uploadOptions.checksum ?? false,
      concurrency: uploadOptions.concurrency ?? 4,
      retries,
      signal: uploadOptions.signal,
      gate,
      fetch: options.fetch,
      sleep,
      now,
    });
  }

  async function resumeParts(
    file: Blob | Uint8Array,
    state: ResumableUpload,
    uploadOptions: UploadOptions,
    gate: PauseGate,
    report: (phase: UploadPhase, bytes: number) => void,
    retries: number,
  ): Promise<FileRecord> {
    const size = file instanceof Blob ? file.size : file.byteLength;
    const lastModified = file instanceof File ? file.lastModified : undefined;
    if (state.size !== size || (state.lastModified !== undefined && lastModified !== undefined && state.lastModified !== lastModified)) {
      throw new FileApiError(0, 'INVALID_REQUEST', `This is not the file upload ${state.id} was started with.`);
    }
    const held = await retried<UploadProgressState>(
      'GET',
      `/uploads/${encodeURIComponent(state.id)}`,
      undefined,
      uploadOptions.signal,
      retries,
    );
    return sendParts(file, held, held.uploadedParts, uploadOptions, gate, report, retries);
  }

  async function sendWhole(
    file: Blob | Uint8Array,
    first: SinglePutUpload,
    askPlan: () => Promise<UploadPlan>,
    uploadOptions: UploadOptions,
    gate: PauseGate,
    report: (phase: UploadPhase, bytes: number) => void,
    retries: number,
  ): Promise<FileRecord> {
    const { signal } = uploadOptions;
    let plan = first;
    for (let resigned = 0; ;) {
      const expires = Date.parse(plan.expiresAt);
      // About to expire (the file waited, a laptop slept): ask for a fresh upload rather than send bytes to a refusal
      // the browser may not even be able to read.
      if (expires - now() <= URL_EXPIRY_MARGIN_MS && resigned === 0) {
        resigned += 1;
        plan = (await askPlan()) as SinglePutUpload;
        continue;
      }
      await gate.wait(signal);
      const paused = gate.signal;
      const putSignal = signal ? AbortSignal.any([signal, paused]) : paused;
      try {
        const { url, headers } = plan;
        await withRetries(
          () =>
            putBytes(url, file, { headers, onProgress: (bytes) => report('uploading', bytes), signal: putSignal, fetch: options.fetch }),
          { retries, signal: putSignal, sleep },
        );
        report('completing', file instanceof Blob ? file.size : file.byteLength);
        return await retried<FileRecord>('GET', fileRoute(plan.id), undefined, signal, retries);
      } catch (error) {
        // Paused: the same URL takes the whole body again on resume (nothing was written).
        if (paused.aborted && !signal?.aborted) continue;
        // Cancelled: the pending record would otherwise list until it expires, and nobody else knows its id.
        if (signal?.aborted) {
          await call<void>('DELETE', fileRoute(plan.id)).catch(() => undefined);
          throw error;
        }
        // An expired single-PUT URL cannot be re-signed for its key: ask for a fresh upload.
        if (!isExpiredUrl(error, expires, now()) || resigned >= 1) throw error;
        resigned += 1;
        plan = (await askPlan()) as SinglePutUpload;
      }
    }
  }

  async function verdictOf(record: FileRecord, wait: WaitOptions, signal?: AbortSignal): Promise<FileRecord> {
    const deadline = now() + (wait.timeoutMs ?? 60_000);
    let current = record;
    while (current.status === 'pending' && now() < deadline) {
      await sleep(wait.intervalMs ?? 1000, signal);
      current = await retried<FileRecord>('GET', fileRoute(record.id), undefined, signal);
    }
    return current;
  }

  return {
    upload: (file, uploadOptions) => startUpload(file, uploadOptions).done,
    startUpload,
    async abortUpload(id, { signal } = {}) {
      await retried<void>('DELETE', `/uploads/${encodeURIComponent(id)}`, undefined, signal);
    },
    get: (id, { signal } = {}) => retried<FileRecord>('GET', fileRoute(id), undefined, signal),
    getDownloadUrl: (id, { signal, ...request } = {}) => retried<DownloadUrl>('POST', '/downloads', { id, ...request }, signal),
    remove: (id, { signal } = {}) => retried<void>('DELETE', fileRoute(id), undefined, signal),
    list({ signal, ...listOptions } = {}) {
      const query = new URLSearchParams();
      if (listOptions.cursor) query.set('cursor', listOptions.cursor);
      if (listOptions.limit !== undefined) query.set('limit', String(listOptions.limit));
      if (listOptions.status) query.set('status', listOptions.status);
      return retried<FileListPage>('GET', `/files${query.size > 0 ? `?${query}` : ''}`, undefined, signal);
    },
    usage: ({ signal } = {}) => retried<Usage>('GET', '/usage', undefined, signal),
    config: ({ signal } = {}) => config(signal),
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
    // A file no larger than the smallest multipart threshold always goes in one PUT: its whole SHA-256 is
    // read at once, no more than a part's. A larger one may go in parts, each hashed from its own slice.
    ...(options.checksum && { partChecksums: true }),
    ...(options.checksum && size <= S3_LIMITS.minPartBytes && { checksumSha256: await sha256Base64(file) }),
  };
}
