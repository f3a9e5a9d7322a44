/**
 * The client's uploads over real HTTP in local mode: the verdict awaited, records by id, list
 * and delete; a multipart upload paused mid-part and resumed; one resumed after a "reload" (a
 * new client, given only the JSON state the first handed out), sending only what S3 lacks.
 */
import { createFileClient, type ResumableUpload, type UploadTask } from '../../client';
import { mp4Bytes, startTestLocalMode, textBytes, type TestLocalMode } from './local-mode';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode({ multipartThresholdBytes: 5 * MiB });
});
afterAll(() => local?.stop());

/** A client whose fetch lets the test see, and act on, every part PUT as it starts. */
function clientWatchingParts(onPart: (partNumber: number) => void) {
  const watching: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const partNumber = new URL(url).searchParams.get('partNumber');
    if (init?.method === 'PUT' && partNumber) onPart(Number(partNumber));
    return fetch(input, init);
  };
  return createFileClient({ apiUrl: local.apiUrl, getToken: () => local.token('alice'), fetch: watching });
}

async function download(id: string): Promise<Uint8Array> {
  const { url } = await local.client('alice').getDownloadUrl(id);
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

it('uploads, waits for the verdict, then gets, lists, deletes by id', async () => {
  const client = local.client('alice');
  const phases: string[] = [];

  const record = await client.upload(textBytes(1000), {
    filename: 'notes.txt',
    contentType: 'text/plain',
    waitUntilAvailable: { intervalMs: 50 },
    onProgress: ({ phase }) => phases.push(phase),
  });
  const listed = await client.list({ status: 'available' });
  await client.remove(record.id);

  expect(record).toMatchObject({ name: 'notes.txt', size: 1000, status: 'available' });
  expect(phases.filter((phase, index) => phase !== phases[index - 1])).toEqual([
    'preparing',
    'uploading',
    'completing',
    'verifying',
    'done',
  ]);
  expect(listed.files.map((file) => file.id)).toContain(record.id);
  await expect(client.get(record.id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
});

it('pauses a multipart upload mid-part and resumes it to identical bytes', async () => {
  const bytes = mp4Bytes(17 * MiB);
  const started: { task?: UploadTask } = {};
  const parts: number[] = [];
  let pausedOnce = false;
  const client = clientWatchingParts((partNumber) => {
    parts.push(partNumber);
    if (partNumber === 2 && !pausedOnce) {
      pausedOnce = true;
      started.task?.pause();
      setTimeout(() => started.task?.resume(), 20);
    }
  });

  const task = (started.task = client.startUpload(bytes, { filename: 'film.mp4', contentType: 'video/mp4', concurrency: 1 }));
  const record = await task.done;
  await local.stack.events.idle();

  expect(parts).toEqual([1, 2, 2, 3]);
  expect(await local.client('alice').get(record.id)).toMatchObject({ status: 'available', size: bytes.length });
  expect(Buffer.compare(await download(record.id), bytes)).toBe(0);
  expect(local.pendingUploads()).toEqual([]);
});

it('resumes after a reload from the JSON state alone, sending only the parts S3 lacks', async () => {
  const bytes = mp4Bytes(17 * MiB + 5);
  const stored: string[] = [];
  const started: { task?: UploadTask } = {};
  // The first page: part 1 reaches S3, then the page "goes away" (paused for good) as part 2 starts.
  const firstPage = clientWatchingParts((partNumber) => {
    if (partNumber === 2) started.task?.pause();
  });
  started.task = firstPage.startUpload(bytes, {
    filename: 'film.mp4',
    contentType: 'video/mp4',
    concurrency: 1,
    onResumable: (state) => stored.push(JSON.stringify(state)),
  });
  while (!started.task.paused) await new Promise((resolve) => setTimeout(resolve, 10));
  const resentParts: number[] = [];
  const reloaded = clientWatchingParts((partNumber) => resentParts.push(partNumber));

  const state = JSON.parse(stored[0]!) as ResumableUpload;
  const record = await reloaded.upload(bytes, { resume: state, concurrency: 1 });
  await local.stack.events.idle();

  expect(stored).toHaveLength(1);
  expect(record).toMatchObject({ id: state.id, status: 'pending', name: 'film.mp4' });
  expect(resentParts).toEqual([2, 3]);
  expect(await local.client('alice').get(record.id)).toMatchObject({ status: 'available' });
  expect(Buffer.compare(await download(record.id), bytes)).toBe(0);
});

it('drops an upload the user gave up on: abortUpload leaves nothing in S3', async () => {
  const started: { task?: UploadTask } = {};
  let id = '';
  const client = clientWatchingParts(() => started.task?.pause());
  started.task = client.startUpload(mp4Bytes(11 * MiB), {
    filename: 'film.mp4',
    contentType: 'video/mp4',
    onResumable: (state) => (id = state.id),
  });
  while (!started.task.paused) await new Promise((resolve) => setTimeout(resolve, 10));

  await client.abortUpload(id);

  await expect(local.client('alice').get(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(local.pendingUploads()).toEqual([]);
});
