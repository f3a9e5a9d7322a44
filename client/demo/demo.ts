/**
 * The demo page, a small file manager over the typed client: sign in, drop or choose files
 * into an upload queue (pause, resume, cancel, continue after a reload), see each file's status,
 * open, download or delete it, and the storage used against the plan. It reads where everything
 * is from `/outputs.json`, the same shape `cdk deploy --outputs-file` writes.
 */
import { signInWithPassword } from '../cognito';
import { createFileClient } from '../file-client';
import { connect, type FileService, type ResumableUpload } from './file-service';
import { renderFiles, type TableContext } from './file-table';
import { describeError, formatSize } from './format';
import { forgetUpload, unfinishedUploads } from './resumable-uploads';
import { isSessionExpired, openSession, type CognitoApp, type Session } from './session';
import { UploadQueue } from './upload-queue';
import { showUsage } from './usage-bar';

interface Outputs {
  readonly ApiUrl: string;
  readonly UserPoolClientId: string;
  readonly CognitoEndpoint: string;
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const announcer = element<HTMLDivElement>('announcer');

/** Screen readers hear it; the page's own text says it where it happened. */
function announce(text: string): void {
  announcer.textContent = text;
}

async function main(): Promise<void> {
  const outputsFile = (await (await fetch('/outputs.json')).json()) as Record<string, Outputs>;
  const outputs = Object.values(outputsFile)[0] ?? ({} as Outputs);
  const app: CognitoApp = { endpoint: outputs.CognitoEndpoint, clientId: outputs.UserPoolClientId };
  const sessionDialog = element<HTMLDialogElement>('session-expired');
  let session: Session | undefined;

  const onExpired = () => {
    if (sessionDialog.open || !session) return;
    element('session-user').textContent = session.username;
    element('session-error').textContent = '';
    sessionDialog.showModal();
    element<HTMLInputElement>('session-password').focus();
    announce('Your session has expired. Sign in again to continue.');
  };

  element<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const username = element<HTMLInputElement>('username').value;
    const password = element<HTMLInputElement>('password').value;
    element('sign-in-error').textContent = '';
    signInWithPassword({ ...app, username, password })
      .then((tokens) => {
        session = openSession(app, onExpired, { username, tokens });
        if (session) enter(outputs, session);
      })
      .catch((error: unknown) => {
        element('sign-in-error').textContent = `Sign-in failed: ${describeError(error)}`;
        element<HTMLInputElement>('password').focus();
      });
  });

  element<HTMLFormElement>('session-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const current = session;
    if (!current) return;
    const password = element<HTMLInputElement>('session-password');
    signInWithPassword({ ...app, username: current.username, password: password.value })
      .then((tokens) => {
        current.replace(tokens);
        password.value = '';
        sessionDialog.close();
        announce('Signed in again.');
        window.dispatchEvent(new Event('session-renewed'));
      })
      .catch((error: unknown) => {
        element('session-error').textContent = `Sign-in failed: ${describeError(error)}`;
        password.focus();
      });
  });
  // Escape must not leave the page looking usable while every call would fail.
  sessionDialog.addEventListener('cancel', (event) => event.preventDefault());

  element('sign-out').addEventListener('click', () => {
    session?.end();
    location.reload();
  });

  session = openSession(app, onExpired);
  if (session) enter(outputs, session);
  else element<HTMLInputElement>('password').focus();
}

/** Shows the file manager for a signed-in user. */
function enter(outputs: Outputs, session: Session): void {
  const client = createFileClient({ apiUrl: outputs.ApiUrl, getToken: (request) => session.getToken(request) });
  const service = connect(client);
  element('who').textContent = session.username;
  element('sign-in').hidden = true;
  element('account').hidden = false;
  element('files').hidden = false;

  const filesError = element<HTMLParagraphElement>('files-error');
  const table: TableContext = {
    service,
    body: element('file-list'),
    empty: element('no-files'),
    viewer: element('viewer'),
    confirmDelete: element('confirm-delete'),
    announce,
    changed: () => void refreshUsage(),
  };
  const refreshUsage = () =>
    service
      .usage()
      .then((usage) => showUsage(element('usage'), usage))
      // The bar is a hint: a failure to read it leaves the last figures.
      .catch(() => undefined);
  const refresh = async () => {
    filesError.textContent = '';
    try {
      await Promise.all([renderFiles(table), refreshUsage()]);
    } catch (error) {
      filesError.textContent = isSessionExpired(error)
        ? 'Your session has expired: sign in again.'
        : `The files could not be listed: ${describeError(error)}`;
    }
  };

  const dropZone = element<HTMLDivElement>('drop-zone');
  const input = element<HTMLInputElement>('file-input');
  const queue = new UploadQueue({
    service,
    username: session.username,
    list: element('queue'),
    fallbackFocus: input,
    announce,
    changed: () => void refresh(),
  });
  const addAll = (files: FileList | null | undefined) => {
    const chosen = [...(files ?? [])];
    for (const file of chosen) queue.add(file);
    if (chosen.length > 0) announce(`${chosen.length} file${chosen.length === 1 ? '' : 's'} added to the uploads.`);
  };
  input.addEventListener('change', () => {
    addAll(input.files);
    input.value = '';
  });
  // Enter or Space on the drop zone's label opens the picker too; the label is the keyboard's way in.
  dropZone.querySelector('label')?.setAttribute('tabindex', '0');
  dropZone.querySelector('label')?.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      input.click();
    }
  });
  let depth = 0;
  dropZone.addEventListener('dragenter', (event) => {
    event.preventDefault();
    depth += 1;
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  dropZone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dropZone.classList.remove('over');
  });
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    dropZone.classList.remove('over');
    addAll(event.dataTransfer?.files);
  });
  // A file dropped beside the zone must not navigate away from the page (and its uploads).
  for (const type of ['dragover', 'drop'] as const) window.addEventListener(type, (event) => event.preventDefault());

  element('reload-files').addEventListener('click', () => void refresh());
  window.addEventListener('session-renewed', () => void refresh());
  showInterrupted(service, session.username, queue);
  void refresh();
}

/** Offers to continue the uploads this browser left unfinished, or to drop them. */
function showInterrupted(service: FileService, username: string, queue: UploadQueue): void {
  const section = element('interrupted');
  const list = element<HTMLUListElement>('interrupted-list');
  const states = unfinishedUploads(username);
  const update = () => {
    section.hidden = list.childElementCount === 0;
  };
  list.replaceChildren(...states.map((state) => interruptedRow(service, username, queue, state, update)));
  update();
}

function interruptedRow(
  service: FileService,
  username: string,
  queue: UploadQueue,
  state: ResumableUpload,
  update: () => void,
): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.id = state.id;
  li.dataset.name = state.name;
  const name = Object.assign(document.createElement('span'), { textContent: `${state.name} (${formatSize(state.size)})` });
  const inputId = `resume-${state.id}`;
  const label = Object.assign(document.createElement('label'), {
    className: 'button',
    htmlFor: inputId,
    textContent: 'Choose the file to continue',
  });
  label.tabIndex = 0;
  const input = Object.assign(document.createElement('input'), { type: 'file', id: inputId, className: 'visually-hidden' });
  input.setAttribute('aria-label', `Choose ${state.name} again to continue its upload`);
  label.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      input.click();
    }
  });
  const discard = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Discard', className: 'danger' });
  discard.setAttribute('aria-label', `Discard the upload of ${state.name}`);
  const error = Object.assign(document.createElement('p'), { className: 'error' });
  error.setAttribute('role', 'alert');
  const done = () => {
    const next = (li.nextElementSibling ?? li.previousElementSibling)?.querySelector<HTMLElement>('label, button');
    li.remove();
    update();
    (next ?? element('file-input'))?.focus();
  };
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.name !== state.name || file.size !== state.size) {
      error.textContent = `That is not the same file: expected ${state.name} of ${formatSize(state.size)}.`;
      return;
    }
    done();
    queue.add(file, state);
  });
  discard.addEventListener('click', () => {
    error.textContent = '';
    service
      .abortUpload(state.id)
      .then(() => {
        forgetUpload(username, state.id);
        announce(`Upload of ${state.name} discarded.`);
        done();
      })
      .catch((reason: unknown) => {
        error.textContent = `Discard failed: ${describeError(reason)}`;
      });
  });
  const actions = document.createElement('span');
  actions.className = 'row';
  actions.append(label, input, discard);
  li.append(name, actions, error);
  if (!service.canPause) label.hidden = true;
  return li;
}

main().catch((error: unknown) => {
  element('sign-in-error').textContent = `The demo could not start: ${describeError(error)}`;
});
