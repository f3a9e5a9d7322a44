/**
 * The demo page: sign in, upload with progress, list, open and download, all through the
 * typed client. It reads where everything is from `/outputs.json`, the same shape
 * `cdk deploy --outputs-file` writes.
 */
import { cognitoTokenSource, createFileClient, FileApiError, signInWithPassword, type FileClient, type FileRecord } from '../index';

interface Outputs {
  readonly ApiUrl: string;
  readonly UserPoolClientId: string;
  readonly CognitoEndpoint: string;
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = element<HTMLParagraphElement>('status');
const progress = element<HTMLProgressElement>('progress');
const percent = element<HTMLSpanElement>('percent');
const cancel = element<HTMLButtonElement>('cancel');
const uploadButton = element<HTMLButtonElement>('upload');

function say(message: string, isError = false): void {
  status.textContent = message;
  status.className = isError ? 'error' : '';
}

function describe(error: unknown): string {
  if (error instanceof FileApiError) return `${error.message} (${error.code}${error.requestId ? `, request ${error.requestId}` : ''})`;
  return error instanceof Error ? error.message : String(error);
}

function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

async function main(): Promise<void> {
  const outputsFile = (await (await fetch('/outputs.json')).json()) as Record<string, Outputs>;
  const outputs = Object.values(outputsFile)[0] ?? ({} as Outputs);
  let client: FileClient | undefined;

  // DOM listeners ignore what they return: each async one catches its own failures and says so.
  element<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn();
  });
  async function signIn(): Promise<void> {
    const username = element<HTMLInputElement>('username').value;
    try {
      const tokens = await signInWithPassword({
        endpoint: outputs.CognitoEndpoint,
        clientId: outputs.UserPoolClientId,
        username,
        password: element<HTMLInputElement>('password').value,
      });
      // The access token: the API refuses ID tokens. Refreshed before it expires and after a refusal.
      const getToken = cognitoTokenSource(tokens, { endpoint: outputs.CognitoEndpoint, clientId: outputs.UserPoolClientId });
      client = createFileClient({ apiUrl: outputs.ApiUrl, getToken });
      element('who').textContent = username;
      element('sign-in').hidden = true;
      element('files').hidden = false;
      say('Signed in.');
      await refresh(client);
    } catch (error) {
      say(`Sign-in failed: ${describe(error)}`, true);
    }
  }

  element('sign-out').addEventListener('click', () => location.reload());

  uploadButton.addEventListener('click', () => void upload());
  async function upload(): Promise<void> {
    const file = element<HTMLInputElement>('file').files?.[0];
    if (!client || !file) {
      say('Pick a file first.', true);
      return;
    }
    const controller = new AbortController();
    const stopCancel = () => controller.abort();
    cancel.disabled = false;
    uploadButton.disabled = true;
    cancel.addEventListener('click', stopCancel, { once: true });
    progress.value = 0;
    percent.textContent = '0 %';
    say(`Uploading ${file.name}…`);
    try {
      const uploaded = await client.upload(file, {
        signal: controller.signal,
        onProgress: ({ loaded, total }) => {
          const share = Math.floor((loaded / total) * 100);
          progress.value = share;
          percent.textContent = `${share} %`;
        },
      });
      say(`Verifying ${file.name}…`);
      const verified = await untilVerified(client, uploaded);
      say(
        verified.status === 'available'
          ? `Uploaded ${file.name} (${formatSize(verified.size)}).`
          : `Upload failed: the service ${verified.status === 'rejected' ? `rejected the file (${verified.rejectedReason})` : 'has not verified the file yet'}.`,
        verified.status !== 'available',
      );
      await refresh(client);
    } catch (error) {
      say(`Upload failed: ${describe(error)}`, true);
    } finally {
      cancel.removeEventListener('click', stopCancel);
      cancel.disabled = true;
      uploadButton.disabled = false;
    }
  }
}

/** Asks for the record until the service has read the bytes, for at most about half a minute. */
async function untilVerified(client: FileClient, file: FileRecord): Promise<FileRecord> {
  let record = file;
  for (let attempt = 0; record.status === 'pending' && attempt < 60; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250 + attempt * 50));
    record = await client.get(file.id);
  }
  return record;
}

async function refresh(client: FileClient): Promise<void> {
  const list = element<HTMLTableSectionElement>('file-list');
  const files: FileRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.list({ cursor, limit: 1000 });
    files.push(...page.files);
    cursor = page.nextCursor;
  } while (cursor);
  list.replaceChildren(...files.map((file) => row(client, file)));
}

function row(client: FileClient, file: FileRecord): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.key = file.key;
  tr.dataset.id = file.id;
  tr.dataset.status = file.status;
  const cells = [file.name, formatSize(file.size), new Date(file.createdAt).toLocaleString(), file.status];
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  const actions = document.createElement('td');
  const open = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Open' });
  const download = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Download' });
  open.addEventListener('click', () => {
    show(client, file).catch((error) => say(`Open failed: ${describe(error)}`, true));
  });
  download.addEventListener('click', () => {
    client
      .getDownloadUrl(file.id, { disposition: 'attachment' })
      .then(({ url }) => location.assign(url))
      .catch((error) => say(`Download failed: ${describe(error)}`, true));
  });
  actions.append(open, ' ', download);
  tr.append(actions);
  return tr;
}

/** Images, video and audio play inline from their presigned GET (video seeks with Range requests). */
async function show(client: FileClient, file: FileRecord): Promise<void> {
  const { url, contentType } = await client.getDownloadUrl(file.id, { disposition: 'inline' });
  const viewer = element<HTMLDivElement>('viewer');
  const kind = contentType.split('/')[0];
  if (kind === 'image') {
    viewer.replaceChildren(Object.assign(document.createElement('img'), { src: url, alt: file.name }));
  } else if (kind === 'video' || kind === 'audio') {
    viewer.replaceChildren(Object.assign(document.createElement(kind), { src: url, controls: true }));
  } else {
    window.open(url, '_blank', 'noopener');
    return;
  }
  say(`Showing ${file.name}.`);
}

main().catch((error) => say(`The demo could not start: ${describe(error)}`, true));
