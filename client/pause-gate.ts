/**
 * Pausing an upload: while paused, requests in flight are aborted (their bytes are sent again
 * on resume: S3 keeps only whole parts) and no new one starts; the upload itself stays open.
 */
import { aborted } from './put-object';

/** Pauses and resumes the byte transfers of one upload. */
export class PauseGate {
  private controller = new AbortController();
  private open: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  get paused(): boolean {
    return this.release !== undefined;
  }

  /** Fires when the upload is paused: transfers in flight listen to it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  pause(): void {
    if (this.release) return;
    this.open = new Promise((resolve) => (this.release = resolve));
    this.controller.abort();
  }

  resume(): void {
    if (!this.release) return;
    this.controller = new AbortController();
    this.release();
    this.release = undefined;
  }

  /** Resolves once not paused; rejects with `ABORTED` if `signal` (the caller's cancel) fires first. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(aborted());
    if (!this.release) return Promise.resolve();
    return new Promise((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(aborted()), { once: true });
      void this.open.then(resolve);
    });
  }
}
