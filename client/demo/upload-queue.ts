/**
 * The upload queue: one row per file, with its progress and phase, pause/resume and cancel,
 * and its error beside it. Two files move at once; the rest wait their turn. Each finished
 * upload is followed until the service has verified it (available, or rejected and why).
 */
import type { FileRecord } from '../../contract/answers';
import { FileApiError } from '../errors';
import type { FileService, PhaseProgress, ResumableUpload, UploadPhase } from './file-service';
import { describeError, formatSize, rejectedReasonText } from './format';
import { forgetUpload, rememberUpload } from './resumable-uploads';
import { isSessionExpired } from './session';

/** What the queue works with. */
export interface QueueContext {
  readonly service: FileService;
  readonly username: string;
  /** Where the rows go. */
  readonly list: HTMLUListElement;
  /** Where focus goes when a row is dismissed and none is left. */
  readonly fallbackFocus: HTMLElement;
  /** Says something to screen readers (an aria-live region). */
  announce(text: string): void;
  /** An upload has settled (or was cancelled): the file list and the usage changed. */
  changed(): void;
}

/** Uploads at once: more only split the same bandwidth. */
const CONCURRENT_UPLOADS = 2;

const PHASE_TEXT: Record<UploadPhase, string> = {
  preparing: 'Preparing',
  uploading: 'Uploading',
  completing: 'Completing',
  verifying: 'Verifying',
  done: 'Uploaded',
};

/** The page's upload queue. */
export class UploadQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly context: QueueContext) {}

  /** Queues files (dropped or chosen); `resume` continues an upload kept from before a reload. */
  add(file: File, resume?: ResumableUpload): void {
    const row = new QueueRow(this.context, file, resume);
    this.context.list.append(row.element);
    this.context.list.previousElementSibling?.removeAttribute('hidden');
    const start = () => {
      this.running += 1;
      void row.run().finally(() => {
        this.running -= 1;
        this.waiting.shift()?.();
      });
    };
    if (this.running < CONCURRENT_UPLOADS) start();
    else this.waiting.push(start);
  }
}

type RowState = 'queued' | 'uploading' | 'paused' | 'verifying' | 'available' | 'rejected' | 'pending' | 'cancelled' | 'failed';

class QueueRow {
  readonly element = document.createElement('li');
  private readonly progress = document.createElement('progress');
  private readonly phase = document.createElement('p');
  private readonly error = document.createElement('p');
  private readonly pauseButton = button('Pause');
  private readonly cancelButton = button('Cancel');
  private readonly controller = new AbortController();
  private task: { pause(): void; resume(): void } | undefined;
  private uploadId: string | undefined;
  private last: PhaseProgress | undefined;

  constructor(
    private readonly context: QueueContext,
    private readonly file: File,
    private readonly resume: ResumableUpload | undefined,
  ) {
    const name = document.createElement('span');
    name.textContent = `${file.name} (${formatSize(file.size)})`;
    name.id = `upload-${crypto.randomUUID()}`;
    this.element.dataset.name = file.name;
    this.progress.max = 100;
    this.progress.value = 0;
    this.progress.setAttribute('aria-labelledby', name.id);
    this.phase.className = 'phase';
    this.error.className = 'error';
    this.error.setAttribute('role', 'alert');
    this.pauseButton.setAttribute('aria-pressed', 'false');
    this.pauseButton.setAttribute('aria-describedby', name.id);
    this.cancelButton.setAttribute('aria-describedby', name.id);
    this.pauseButton.hidden = !context.service.canPause;
    this.pauseButton.addEventListener('click', () => this.togglePause());
    this.cancelButton.addEventListener('click', () => this.cancelOrDismiss());
    const actions = document.createElement('span');
    actions.className = 'row';
    actions.append(this.pauseButton, this.cancelButton);
    this.element.append(name, this.progress, actions, this.phase, this.error);
    this.setState('queued', 'Waiting for its turn…');
  }

  async run(): Promise<void> {
    const { service, username } = this.context;
    this.setState('uploading', 'Starting…');
    if (this.resume) this.uploadId = this.resume.id;
    try {
      const task = service.startUpload(this.file, {
        signal: this.controller.signal,
        resume: this.resume,
        onProgress: (progress) => this.show(progress),
        onResumable: (state) => {
          this.uploadId = state.id;
          rememberUpload(username, state);
        },
      });
      this.task = task;
      const uploaded = await task.done;
      if (this.uploadId) forgetUpload(username, this.uploadId);
      this.pauseButton.hidden = true;
      this.setState('verifying', 'Uploaded; the service is checking the file…');
      this.context.changed();
      await this.follow(uploaded);
    } catch (error) {
      this.pauseButton.hidden = true;
      if (error instanceof FileApiError && error.code === 'ABORTED') {
        if (this.uploadId) forgetUpload(username, this.uploadId);
        this.setState('cancelled', 'Cancelled: nothing was kept.');
        this.context.announce(`Upload of ${this.file.name} cancelled.`);
      } else {
        this.setState('failed', 'Upload failed.');
        this.error.textContent = isSessionExpired(error) ? 'Your session has expired: sign in again, then retry.' : describeError(error);
        this.context.announce(`Upload of ${this.file.name} failed.`);
      }
      this.cancelButton.textContent = 'Dismiss';
      this.context.changed();
    }
  }

  /** Asks for the record until the service has read the bytes, for at most about half a minute. */
  private async follow(uploaded: FileRecord): Promise<void> {
    let record = uploaded;
    for (let attempt = 0; record.status === 'pending' && attempt < 60; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 + attempt * 100, 2000)));
      record = await this.context.service.get(record.id);
    }
    this.cancelButton.textContent = 'Dismiss';
    this.element.dataset.id = record.id;
    if (record.status === 'available') {
      this.setState('available', 'Uploaded and verified: available.');
      this.context.announce(`${this.file.name} is uploaded and available.`);
    } else if (record.status === 'rejected') {
      this.setState('rejected', 'Rejected by the service.');
      this.error.textContent = `Rejected: ${rejectedReasonText(record.rejectedReason)}.`;
      this.context.announce(`${this.file.name} was rejected: ${rejectedReasonText(record.rejectedReason)}.`);
    } else {
      this.setState('pending', 'Uploaded; not verified yet. Refresh the list later.');
    }
    this.context.changed();
  }

  private show(progress: PhaseProgress): void {
    this.last = progress;
    if (this.element.dataset.state === 'paused') return;
    const share = progress.total === 0 ? 100 : Math.floor((progress.loaded / progress.total) * 100);
    this.progress.value = share;
    this.element.dataset.phase = progress.phase;
    this.phase.textContent = `${PHASE_TEXT[progress.phase]} – ${share} % (${formatSize(progress.loaded)} of ${formatSize(progress.total)})`;
  }

  private togglePause(): void {
    if (!this.task) return;
    if (this.element.dataset.state === 'paused') {
      this.task.resume();
      this.pauseButton.textContent = 'Pause';
      this.pauseButton.setAttribute('aria-pressed', 'false');
      this.setState('uploading', 'Resuming…');
      if (this.last) this.show(this.last);
      this.context.announce(`Upload of ${this.file.name} resumed.`);
    } else {
      this.task.pause();
      this.pauseButton.textContent = 'Resume';
      this.pauseButton.setAttribute('aria-pressed', 'true');
      this.setState('paused', `Paused at ${this.progress.value} %.`);
      this.context.announce(`Upload of ${this.file.name} paused.`);
    }
  }

  private cancelOrDismiss(): void {
    const state = this.element.dataset.state;
    if (state === 'queued' || state === 'uploading' || state === 'paused') {
      // A paused task must run on to see the abort.
      this.task?.resume();
      this.controller.abort();
      return;
    }
    const next = (this.element.nextElementSibling ?? this.element.previousElementSibling)?.querySelector('button');
    this.element.remove();
    (next ?? this.context.fallbackFocus).focus();
  }

  private setState(state: RowState, text: string): void {
    this.element.dataset.state = state;
    this.phase.textContent = text;
    if (state !== 'failed' && state !== 'rejected') this.error.textContent = '';
  }
}

function button(text: string): HTMLButtonElement {
  return Object.assign(document.createElement('button'), { type: 'button', textContent: text });
}
