/**
 * The multipart uploads this browser started and has not finished, kept in `localStorage` per
 * user: after a reload (or a crash) the page offers to continue each from where S3 holds it.
 */
import type { ResumableUpload } from './file-service';

const STORAGE_KEY = 'secure-file-service.uploads';

type Kept = Record<string, readonly ResumableUpload[]>;

function read(): Kept {
  try {
    const kept = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as unknown;
    return kept && typeof kept === 'object' ? (kept as Kept) : {};
  } catch {
    return {};
  }
}

function write(kept: Kept): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(kept));
}

/** `username`'s unfinished uploads. */
export function unfinishedUploads(username: string): readonly ResumableUpload[] {
  return read()[username] ?? [];
}

/** Remembers an upload until `forgetUpload`. */
export function rememberUpload(username: string, state: ResumableUpload): void {
  const kept = read();
  kept[username] = [...(kept[username] ?? []).filter(({ id }) => id !== state.id), state];
  write(kept);
}

/** Finished, cancelled or given up. */
export function forgetUpload(username: string, id: string): void {
  const kept = read();
  kept[username] = (kept[username] ?? []).filter((state) => state.id !== id);
  write(kept);
}
