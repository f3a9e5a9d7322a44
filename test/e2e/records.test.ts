/**
 * Files are records: every status transition observed over real HTTP in local mode, with the
 * verifier fed by the S3 emulator's own events through the local EventBridge and queue.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { fileItemKey } from '../../lambdas/shared/table';
import { EXE_BYTES, HTML_BYTES, JPEG_BYTES, PNG_BYTES } from './file-bytes';
import { startTestLocalMode, type TestLocalMode } from './local-mode';

jest.setTimeout(60_000);

let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode();
});
afterAll(async () => {
  await local?.stop();
});

/** Asks for an upload URL and answers the plan. */
async function issueUpload(filename: string, contentType: string, size: number, user: 'alice' | 'bob' = 'alice') {
  const { status, body } = await local.api('POST', '/uploads', { token: await local.token(user), body: { filename, contentType, size } });
  expect(status).toBe(200);
  return body as { id: string; key: string; status: string; url: string; headers: Record<string, string> };
}

/** Uploads bytes with a fresh URL and waits until the verifier has seen every event. */
async function uploadAndVerify(filename: string, contentType: string, bytes: Buffer, user: 'alice' | 'bob' = 'alice') {
  const plan = await issueUpload(filename, contentType, bytes.length, user);
  const put = await fetch(plan.url, { method: 'PUT', headers: plan.headers, body: new Uint8Array(bytes) });
  expect(put.status).toBe(200);
  await local.stack.events.idle();
  return plan.id;
}

async function recordOf(id: string, user: 'alice' | 'bob' = 'alice') {
  return local.api('GET', `/files/${id}`, { token: await local.token(user) });
}

describe('a file record', () => {
  it('is pending from the moment its URL is issued, and a download of it answers 409 PENDING with Retry-After', async () => {
    const plan = await issueUpload('photo.png', 'image/png', PNG_BYTES.length);

    expect(plan).toMatchObject({ status: 'pending', id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    expect((await recordOf(plan.id)).body).toMatchObject({ id: plan.id, status: 'pending', name: 'photo.png', size: PNG_BYTES.length });
    const response = await fetch(`${local.apiUrl}/downloads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await local.token('alice')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: plan.id }),
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PENDING');
  });

  it('becomes available once PNG bytes declared as image/png are verified, and downloads as uploaded', async () => {
    const plan = await issueUpload('photo.png', 'image/png', PNG_BYTES.length);
    const uploaded = Date.now();
    await fetch(plan.url, { method: 'PUT', headers: plan.headers, body: new Uint8Array(PNG_BYTES) });
    let record = (await recordOf(plan.id)).body as { status: string; verifiedAt?: string };
    while (record.status === 'pending') {
      await local.stack.events.idle();
      record = (await recordOf(plan.id)).body;
    }
    const latencyMs = Date.now() - uploaded;

    expect(record).toMatchObject({ status: 'available', verifiedAt: expect.any(String) });
    expect(latencyMs).toBeGreaterThanOrEqual(0);
    const download = await local.api('POST', '/downloads', { body: { id: plan.id } });
    expect(download.body).toMatchObject({ id: plan.id, size: PNG_BYTES.length, contentType: 'image/png', name: 'photo.png' });
    const bytes = Buffer.from(await (await fetch(download.body.url)).arrayBuffer());
    expect(bytes.equals(PNG_BYTES)).toBe(true);
  });

  it.each([
    ['an HTML page', HTML_BYTES],
    ['an executable', EXE_BYTES],
    ['JPEG bytes', JPEG_BYTES],
  ])('is rejected as TYPE_MISMATCH when %s is declared as image/png, and never downloads (422 REJECTED)', async (_what, bytes) => {
    const id = await uploadAndVerify('image.png', 'image/png', bytes);

    expect((await recordOf(id)).body).toMatchObject({ status: 'rejected', rejectedReason: 'TYPE_MISMATCH' });
    const download = await local.api('POST', '/downloads', { body: { id } });
    expect(download).toMatchObject({ status: 422, body: { error: { code: 'REJECTED' } } });
  });

  it('is available for UTF-8 text declared as text/plain, and rejected as NOT_TEXT when the text holds a NUL', async () => {
    const text = await uploadAndVerify('notes.txt', 'text/plain', Buffer.from('héllo wörld\n'));
    const binary = await uploadAndVerify('notes.txt', 'text/plain', Buffer.from('hello\0world'));

    expect((await recordOf(text)).body.status).toBe('available');
    expect((await recordOf(binary)).body).toMatchObject({ status: 'rejected', rejectedReason: 'NOT_TEXT' });
  });

  it.each([
    ['a truncated body', PNG_BYTES.subarray(0, PNG_BYTES.length - 10)],
    ['an over-long body', Buffer.concat([PNG_BYTES, Buffer.alloc(10)])],
  ])('never becomes available after %s: S3 refuses it and the record stays pending', async (_what, body) => {
    const plan = await issueUpload('photo.png', 'image/png', PNG_BYTES.length);

    // The length sent with the body: the signed one is another, so S3 refuses the signature.
    const headers = { ...plan.headers, 'content-length': String(body.length) };
    const put = await fetch(plan.url, { method: 'PUT', headers, body: new Uint8Array(body) }).then(
      (response) => response.status,
      () => 'refused',
    );
    await local.stack.events.idle();

    expect(put).not.toBe(200);
    expect((await recordOf(plan.id)).body.status).toBe('pending');
  });

  it('is gone from GET /files and GET /files/{id} once deleted, and an earlier download URL is refused', async () => {
    const id = await uploadAndVerify('gone.png', 'image/png', PNG_BYTES);
    const earlier = (await local.api('POST', '/downloads', { body: { id } })).body as { url: string };

    const deleted = await local.api('DELETE', `/files/${id}`);
    await local.stack.events.idle();

    expect(deleted.status).toBe(204);
    expect((await recordOf(id)).status).toBe(404);
    const listed = (await local.api('GET', '/files?limit=1000')).body as { files: { id: string }[] };
    expect(listed.files.map((file) => file.id)).not.toContain(id);
    // The current version is a delete marker: S3 answers 403, not 404, to a role that may not list the bucket.
    expect((await fetch(earlier.url)).status).toBe(403);
    // S3's delete event removed the record itself.
    const item = await local.stack.dynamoDb.client.send(
      new GetItemCommand({ TableName: local.stack.outputs.TableName, Key: { pk: { S: fileItemKey(id).pk }, sk: { S: 'FILE' } } }),
    );
    expect(item.Item).toBeUndefined();
    expect((await local.api('DELETE', `/files/${id}`)).status).toBe(404);
  });

  it('changes nothing when its events are replayed, duplicated and out of order', async () => {
    const id = await uploadAndVerify('replayed.png', 'image/png', PNG_BYTES);
    const before = (await recordOf(id)).body;
    const events = local.stack.publishedEvents.filter((body) => body.includes(id));
    expect(events).toHaveLength(1);

    for (const body of [...events, ...events, ...events]) local.stack.events.send(body);
    await local.stack.events.idle();

    expect((await recordOf(id)).body).toEqual(before);
  });

  it('stays deleted when its creation event arrives again after its deletion', async () => {
    const id = await uploadAndVerify('late.png', 'image/png', PNG_BYTES);
    expect((await local.api('DELETE', `/files/${id}`)).status).toBe(204);
    await local.stack.events.idle();
    const events = local.stack.publishedEvents.filter((body) => body.includes(id));
    expect(events.map((body) => (JSON.parse(body) as { 'detail-type': string })['detail-type'])).toEqual([
      'Object Created',
      'Object Deleted',
    ]);

    for (const body of [...events].reverse()) local.stack.events.send(body);
    await local.stack.events.idle();

    expect((await recordOf(id)).status).toBe(404);
    expect(await local.storedObjects()).not.toContainEqual(expect.stringContaining(id));
  });

  it("is a 404 for another user's id on every route, so its existence is not revealed", async () => {
    const id = await uploadAndVerify('mine.png', 'image/png', PNG_BYTES, 'alice');
    const bob = await local.token('bob');

    const answers = await Promise.all([
      local.api('GET', `/files/${id}`, { token: bob }),
      local.api('POST', '/downloads', { token: bob, body: { id } }),
      local.api('DELETE', `/files/${id}`, { token: bob }),
      local.api('GET', `/uploads/${id}`, { token: bob }),
      local.api('DELETE', `/uploads/${id}`, { token: bob }),
      local.api('POST', `/uploads/${id}/parts`, { token: bob, body: { partNumbers: [1] } }),
    ]);

    expect(answers.map(({ status, body }) => `${status} ${body?.error?.code}`)).toEqual(Array(6).fill('404 NOT_FOUND'));
    expect((await recordOf(id)).body.status).toBe('available');
  });

  it('is named by an id of the right grammar only: anything else is a 400 INVALID_ID before any lookup', async () => {
    const answers = await Promise.all([
      local.api('GET', '/files/not-an-id'),
      local.api('GET', `/files/${'A'.repeat(23)}`),
      local.api('POST', '/downloads', { body: { id: '../users/x' } }),
      local.api('DELETE', '/files/%E2%80%AEgpj.exe'),
    ]);

    expect(answers.map(({ status, body }) => `${status} ${body?.error?.code}`)).toEqual(Array(4).fill('400 INVALID_ID'));
  });
});

describe('GET /files', () => {
  it('lists the caller’s files newest first, a page at a time, filtered by status', async () => {
    const bob = await local.token('bob');
    const first = await uploadAndVerify('one.png', 'image/png', PNG_BYTES, 'bob');
    const second = await uploadAndVerify('two.png', 'image/png', HTML_BYTES, 'bob');
    const third = await uploadAndVerify('three.png', 'image/png', PNG_BYTES, 'bob');

    const page1 = (await local.api('GET', '/files?limit=2', { token: bob })).body;
    const page2 = (await local.api('GET', `/files?limit=2&cursor=${page1.nextCursor}`, { token: bob })).body;
    const rejected = (await local.api('GET', '/files?status=rejected', { token: bob })).body;

    const ids = [...page1.files, ...page2.files].map((file: { id: string }) => file.id);
    expect(ids.indexOf(third)).toBeLessThan(ids.indexOf(second));
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
    expect(rejected.files.map((file: { id: string }) => file.id)).toEqual([second]);
  });

  it('refuses a cursor it did not issue with 400 INVALID_CURSOR', async () => {
    const forged = Buffer.from('not a key').toString('base64url');

    const answer = await local.api('GET', `/files?cursor=${forged}`);

    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
  });
});

describe('GET /health', () => {
  it('answers {"status":"ok"} without a token, and nothing else', async () => {
    const answer = await local.api('GET', '/health', { token: null });

    expect(answer).toEqual({ status: 200, body: { status: 'ok' } });
  });
});
