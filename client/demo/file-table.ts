/**
 * The user's files: a status badge each, a thumbnail for available pictures, and Open,
 * Download and Delete (after a confirmation) with any error shown in the file's own row.
 */
import type { FileRecord } from '../../contract/answers';
import type { FileService } from './file-service';
import { describeError, formatSize, rejectedReasonText } from './format';
import { showFile } from './viewer';

/** What the table works with. */
export interface TableContext {
  readonly service: FileService;
  readonly body: HTMLTableSectionElement;
  readonly empty: HTMLElement;
  readonly viewer: HTMLElement;
  readonly confirmDelete: HTMLDialogElement;
  announce(text: string): void;
  /** A file was deleted: the usage changed. */
  changed(): void;
}

/** Fills the table with every one of the user's files, newest first. */
export async function renderFiles(context: TableContext): Promise<void> {
  const files: FileRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await context.service.list({ cursor, limit: 1000 });
    files.push(...page.files);
    cursor = page.nextCursor;
  } while (cursor);
  context.body.replaceChildren(...files.map((file) => fileRow(context, file)));
  context.empty.hidden = files.length > 0;
}

function fileRow(context: TableContext, file: FileRecord): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.id = file.id;
  tr.dataset.status = file.status;
  const thumb = cell('', 'thumb');
  const name = cell(file.name);
  name.id = `file-${file.id}`;
  tr.append(thumb, name, cell(formatSize(file.size)), cell(new Date(file.createdAt).toLocaleString()), statusCell(file));

  const actions = document.createElement('td');
  const error = Object.assign(document.createElement('p'), { className: 'error' });
  error.setAttribute('role', 'alert');
  const fail = (what: string) => (reason: unknown) => {
    error.textContent = `${what} failed: ${describeError(reason)}`;
  };
  const open = button('Open', name.id);
  const download = button('Download', name.id);
  const remove = button('Delete', name.id);
  remove.className = 'danger';
  // A rejected file is never served; a pending one not yet.
  open.disabled = download.disabled = file.status !== 'available';
  open.addEventListener('click', () => {
    error.textContent = '';
    showFile(context.service, context.viewer, file).catch(fail('Open'));
  });
  download.addEventListener('click', () => {
    error.textContent = '';
    context.service
      .getDownloadUrl(file.id, { disposition: 'attachment' })
      .then(({ url }) => {
        // An attachment: the browser saves it and the page stays.
        const link = Object.assign(document.createElement('a'), { href: url, download: file.name });
        link.click();
      })
      .catch(fail('Download'));
  });
  remove.addEventListener('click', () => {
    error.textContent = '';
    void confirmAndDelete(context, file, tr, remove).catch(fail('Delete'));
  });
  const buttons = document.createElement('div');
  buttons.className = 'row';
  buttons.append(open, download, remove);
  actions.append(buttons, error);
  tr.append(actions);

  if (file.status === 'available' && file.contentType.startsWith('image/')) {
    context.service
      .getDownloadUrl(file.id, { disposition: 'inline' })
      .then(({ url }) => {
        thumb.append(Object.assign(document.createElement('img'), { src: url, alt: '', loading: 'lazy', decoding: 'async' }));
      })
      // A missing thumbnail is no error worth a message: Open says why if it matters.
      .catch(() => undefined);
  }
  return tr;
}

async function confirmAndDelete(context: TableContext, file: FileRecord, tr: HTMLTableRowElement, trigger: HTMLButtonElement) {
  const dialog = context.confirmDelete;
  const text = dialog.querySelector('#confirm-delete-text');
  if (text) text.textContent = `“${file.name}” (${formatSize(file.size)}) will be deleted for good.`;
  dialog.returnValue = '';
  dialog.showModal();
  const answer = await new Promise<string>((resolve) =>
    dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true }),
  );
  if (answer !== 'delete') {
    trigger.focus();
    return;
  }
  trigger.disabled = true;
  try {
    await context.service.remove(file.id);
  } catch (error) {
    trigger.disabled = false;
    trigger.focus();
    throw error;
  }
  // Focus goes to the next file's Delete, or the previous one's, so the keyboard user keeps their place.
  const neighbour = (tr.nextElementSibling ?? tr.previousElementSibling)?.querySelector<HTMLButtonElement>('button.danger');
  tr.remove();
  context.empty.hidden = context.body.childElementCount > 0;
  if (context.viewer.dataset.id === file.id) context.viewer.replaceChildren();
  (neighbour ?? document.getElementById('reload-files'))?.focus();
  context.announce(`${file.name} deleted.`);
  context.changed();
}

function statusCell(file: FileRecord): HTMLTableCellElement {
  const td = document.createElement('td');
  const badge = document.createElement('span');
  badge.className = `badge ${file.status}`;
  badge.textContent =
    file.status === 'available'
      ? 'verified'
      : file.status === 'rejected'
        ? `rejected: ${rejectedReasonText(file.rejectedReason)}`
        : 'pending';
  if (file.status === 'pending') badge.title = 'Uploaded or uploading; the service has not verified the bytes yet.';
  td.append(badge);
  return td;
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function button(text: string, describedBy: string): HTMLButtonElement {
  const element = Object.assign(document.createElement('button'), { type: 'button', textContent: text });
  element.setAttribute('aria-describedby', describedBy);
  return element;
}
