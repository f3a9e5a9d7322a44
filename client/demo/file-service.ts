/**
 * What the page needs from the client, in the shape of the client's upload-task API (issue 15:
 * `startUpload` with pause/resume, `resume` from a persisted state, phases, `usage()`,
 * `abortUpload`). Until the client exports all of it, `connect` fills the gaps over the client
 * that exists: every call still goes to the real API; a missing ability is reported as missing
 * (`canPause: false`), never imitated.
 */
import type { FileListPage, FileRecord, Usage } from '../../contract/answers';
import type { ListRequest } from '../../contract/request-types';
import { apiError, FileApiError } from '../errors';
import type { FileClient } from '../file-client';

/** Where an upload is, as the client names its phases. */
export type UploadPhase = 'preparing' | 'uploading' | 'completing' | 'verifying' | 'done';

/** One progress report. */
export interface PhaseProgress {
  readonly phase: UploadPhase;
  readonly loaded: number;
  readonly total: number;
}

/** What the page persists in `localStorage` to continue a multipart upload after a reload. */
export interface ResumableUpload {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly lastModified?: number;
}

/** How the page starts an upload. */
export interface StartOptions {
  readonly onProgress: (progress: PhaseProgress) => void;
  readonly onResumable: (state: ResumableUpload) => void;
  readonly signal: AbortSignal;
  readonly resume?: ResumableUpload;
}

/** An upload under way. */
export interface UploadTask {
  readonly done: Promise<FileRecord>;
  pause(): void;
  resume(): void;
}

/** The client as the page uses it. */
export interface FileService {
  /** Whether uploads can be paused and continued after a reload (the client's upload tasks). */
  readonly canPause: boolean;
  startUpload(file: File, options: StartOptions): UploadTask;
  abortUpload(id: string): Promise<void>;
  get(id: string): Promise<FileRecord>;
  list(options?: ListRequest): Promise<FileListPage>;
  remove(id: string): Promise<void>;
  getDownloadUrl(id: string, options: { disposition: 'inline' | 'attachment' }): Promise<{ url: string; contentType: string }>;
  /** `undefined` when the API has no `GET /usage`. */
  usage(): Promise<Usage | undefined>;
}

/** How `connect` reaches the API for what the client does not do yet. */
export interface ConnectOptions {
  readonly apiUrl: string;
  readonly getToken: (request: { readonly forceRefresh: boolean }) => Promise<string>;
}

/** The page's view of `client`. */
export function connect(client: FileClient, options: ConnectOptions): FileService {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const api = async (method: 'GET' | 'DELETE', path: string): Promise<Response> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await options.getToken({ forceRefresh: false })}` },
    }).catch((error: unknown) => {
      throw new FileApiError(0, 'NETWORK_ERROR', `The API could not be reached: ${String(error)}`);
    });
    if (response.status === 401) {
      await options.getToken({ forceRefresh: true });
      throw new FileApiError(401, 'UNAUTHORIZED', 'The token was refused.');
    }
    return response;
  };
  return {
    canPause: false,
    startUpload(file, { onProgress, signal }) {
      onProgress({ phase: 'preparing', loaded: 0, total: file.size });
      const done = client
        .upload(file, {
          signal,
          onProgress: ({ loaded, total }) => onProgress({ phase: 'uploading', loaded: Math.min(loaded, total - 1), total }),
        })
        .then((record) => {
          onProgress({ phase: 'done', loaded: file.size, total: file.size });
          return record;
        });
      return { done, pause: () => undefined, resume: () => undefined };
    },
    async abortUpload(id) {
      const response = await api('DELETE', `/uploads/${encodeURIComponent(id)}`);
      if (!response.ok && response.status !== 404) throw await apiError(response);
    },
    get: (id) => client.get(id),
    list: (request) => client.list(request),
    remove: (id) => client.remove(id),
    getDownloadUrl: (id, request) => client.getDownloadUrl(id, request),
    async usage() {
      const response = await api('GET', '/usage');
      if (response.status === 404) return undefined;
      if (!response.ok) throw await apiError(response);
      return (await response.json()) as Usage;
    },
  };
}
