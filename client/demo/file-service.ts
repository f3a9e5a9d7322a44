/**
 * The client as the page uses it: upload tasks (pause/resume, continue after a reload),
 * records, downloads and usage. A thin view over `FileClient`, so the page names only what it
 * needs and local mode without `GET /usage` still shows a page (without the storage bar).
 */
import type { FileListPage, FileRecord, Usage } from '../../contract/answers';
import type { ListRequest } from '../../contract/request-types';
import { FileApiError } from '../errors';
import type { FileClient, ResumableUpload, UploadPhase, UploadProgress, UploadTask } from '../file-client';

export type { ResumableUpload, UploadPhase };
/** One progress report. */
export type PhaseProgress = UploadProgress;

/** How the page starts an upload. */
interface StartOptions {
  readonly onProgress: (progress: PhaseProgress) => void;
  readonly onResumable: (state: ResumableUpload) => void;
  readonly signal: AbortSignal;
  readonly resume?: ResumableUpload;
}

/** The client as the page uses it. */
export interface FileService {
  /** Whether uploads can be paused and continued after a reload. */
  readonly canPause: boolean;
  startUpload(file: File, options: StartOptions): UploadTask;
  abortUpload(id: string): Promise<void>;
  get(id: string): Promise<FileRecord>;
  list(options?: ListRequest): Promise<FileListPage>;
  remove(id: string): Promise<void>;
  getDownloadUrl(id: string, options: { disposition: 'inline' | 'attachment' }): Promise<{ url: string; contentType: string }>;
  /** `undefined` when the API has no `GET /usage` (an older deployment). */
  usage(): Promise<Usage | undefined>;
}

/** The page's view of `client`. */
export function connect(client: FileClient): FileService {
  return {
    canPause: true,
    startUpload: (file, options) => client.startUpload(file, options),
    async abortUpload(id) {
      try {
        await client.abortUpload(id);
      } catch (error) {
        // Gone already (completed elsewhere, or swept): nothing left to discard.
        if (!(error instanceof FileApiError && error.status === 404)) throw error;
      }
    },
    get: (id) => client.get(id),
    list: (request) => client.list(request),
    remove: (id) => client.remove(id),
    getDownloadUrl: (id, request) => client.getDownloadUrl(id, request),
    async usage() {
      try {
        return await client.usage();
      } catch (error) {
        if (error instanceof FileApiError && error.status === 404) return undefined;
        throw error;
      }
    },
  };
}
