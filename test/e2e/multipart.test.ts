/**
 * Multipart uploads end to end, with a small threshold so they stay fast: parts in parallel,
 * an expired part URL re-signed, cancel and abort leaving nothing, resuming from what S3 holds,
 * and no way into another user's upload. Every call after the first names the upload by file id.
 */
import { mp4Bytes, patternedBytes, startTestLocalMode, type TestLocalMode } from './local-mode';
import { jumpWallClock } from './wall-clock';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
let local: TestLocalMode;
beforeAll(async () => {
  local = await startTestLocalMode({ multipartThresholdBytes: 5 * MiB });
});
afterAll(() => local?.stop());

async function startMultipart(size = 20 * MiB) {
  const { status, body } = await local.api('POST', '/uploads', { body: { filename: 'film.mp4', contentType: 'video/mp4', size } });
  expect(status).toBe(200);
  return body as {
    id: string;
    key: string;
    partCount: number;
    parts: { partNumber: number; url: string; headers: Record<string, string> }[];
  };
}

describe('a multipart upload through the client', () => {
  it('sends the parts in parallel, completes, and reads back identical bytes', async () => {
    const bytes = mp4Bytes(20 * MiB + 123);
    const progress: number[] = [];

    const uploaded = await local.client('alice').upload(bytes, {
      filename: 'film.mp4',
      contentType: 'video/mp4',
      concurrency: 3,
      onProgress: ({ loaded }) => progress.push(loaded),
    });
    await local.stack.events.idle();
    const { url } = await local.client('alice').getDownloadUrl(uploaded.id);
    const downloaded = new Uint8Array(await (await fetch(url)).arrayBuffer());

    expect(uploaded).toMatchObject({ id: expect.any(String), status: 'pending', size: bytes.length, name: 'film.mp4' });
    expect(await local.client('alice').get(uploaded.id)).toMatchObject({ status: 'available' });
    expect(Buffer.compare(downloaded, bytes)).toBe(0);
    expect(progress.at(-1)).toBe(bytes.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(local.pendingUploads()).toEqual([]);
  });

  it('re-signs a part URL that expired mid-upload and finishes', async () => {
    const bytes = mp4Bytes(17 * MiB);
    const partRequests: string[] = [];
    let expired = false;
    jumpWallClock(0);
    try {
      // The first part leaves 11 minutes after its URL was signed (a laptop that slept): S3 finds it expired.
      const sleepyFetch: typeof fetch = async (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (url.includes('partNumber=')) partRequests.push(new URL(url).searchParams.get('X-Amz-Date') ?? '');
        if (url.includes('partNumber=1&') && !expired) {
          expired = true;
          jest.setSystemTime(Date.now() + 11 * 60 * 1000);
        }
        return fetch(input, init);
      };
      const client = (await import('../../client')).createFileClient({
        apiUrl: local.apiUrl,
        getToken: () => local.token('alice'),
        fetch: sleepyFetch,
      });

      const uploaded = await client.upload(bytes, { filename: 'slept.mp4', contentType: 'video/mp4', concurrency: 1 });
      await local.stack.events.idle();
      const { url } = await client.getDownloadUrl(uploaded.id);
      const downloaded = new Uint8Array(await (await fetch(url)).arrayBuffer());

      expect(Buffer.compare(downloaded, bytes)).toBe(0);
      // Part 1 was sent twice: with its first URL (refused as expired), then with a fresh one.
      expect(partRequests.length).toBe(4);
      expect(new Set(partRequests).size).toBeGreaterThan(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('aborts the upload when cancelled mid-way, leaving nothing behind', async () => {
    const controller = new AbortController();
    const upload = local.client('alice').upload(patternedBytes(30 * MiB, 5), {
      filename: 'cancelled.mp4',
      contentType: 'video/mp4',
      concurrency: 1,
      signal: controller.signal,
      onProgress: ({ loaded }) => loaded > 9 * MiB && controller.abort(),
    });

    await expect(upload).rejects.toMatchObject({ code: 'ABORTED' });
    const listed = await local.client('alice').list();
    expect(listed.files.map((file) => file.name)).not.toContain('cancelled.mp4');
    expect(local.pendingUploads()).toEqual([]);
  });
});

describe('the multipart API', () => {
  it('aborts an upload: 204, then it no longer exists and S3 holds none of its parts', async () => {
    const before = local.pendingUploads().length;
    const plan = await startMultipart();
    const first = plan.parts[0];
    await fetch(first?.url ?? '', { method: 'PUT', body: patternedBytes(8 * MiB), headers: first?.headers });

    const aborted = await local.api('DELETE', `/uploads/${plan.id}`);
    const resign = await local.api('POST', `/uploads/${plan.id}/parts`, { body: { partNumbers: [2] } });

    expect(aborted.status).toBe(204);
    expect(resign.status).toBe(404);
    expect((await local.api('GET', `/files/${plan.id}`)).status).toBe(404);
    expect(local.pendingUploads()).toHaveLength(before);
  });

  it('answers what S3 holds of an upload, to resume it after a reload', async () => {
    const plan = await startMultipart(9 * MiB);
    const first = plan.parts[0];
    const sent = await fetch(first?.url ?? '', { method: 'PUT', body: patternedBytes(8 * MiB), headers: first?.headers });

    const state = await local.api('GET', `/uploads/${plan.id}`);

    expect(state).toEqual({
      status: 200,
      body: {
        id: plan.id,
        partSize: 8 * MiB,
        partCount: 2,
        uploadedParts: [{ partNumber: 1, etag: (sent.headers.get('etag') ?? '').replace(/"/g, ''), size: 8 * MiB }],
      },
    });
  });

  it('refuses part numbers outside the plan with 400', async () => {
    const plan = await startMultipart();

    const answer = await local.api('POST', `/uploads/${plan.id}/parts`, { body: { partNumbers: [plan.partCount + 1] } });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_PARTS');
  });

  it('answers 404 for part URLs of a file sent in one PUT: it has no multipart upload', async () => {
    const single = await local.api('POST', '/uploads', { body: { filename: 'small.mp4', contentType: 'video/mp4', size: 10 } });

    const answer = await local.api('POST', `/uploads/${single.body.id}/parts`, { body: { partNumbers: [1] } });

    expect(answer.status).toBe(404);
  });

  it('refuses a completion with a wrong ETag with 400', async () => {
    const plan = await startMultipart(9 * MiB);
    const sizes = [8 * MiB, MiB];
    for (const [index, part] of plan.parts.entries()) {
      await fetch(part.url, { method: 'PUT', body: patternedBytes(sizes[index] ?? 0), headers: part.headers });
    }

    const answer = await local.api('POST', `/uploads/${plan.id}/complete`, {
      body: {
        parts: [
          { partNumber: 1, etag: '"0000"' },
          { partNumber: 2, etag: '"1111"' },
        ],
      },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_PARTS');
  });

  it('refuses a part body of any other length than signed', async () => {
    const plan = await startMultipart();
    const first = plan.parts[0];

    const response = await fetch(first?.url ?? '', {
      method: 'PUT',
      body: patternedBytes(8 * MiB + 1),
      headers: { 'content-length': String(8 * MiB + 1) },
    });

    expect(response.status).toBe(403);
  });

  it("lets Bob neither see, sign parts for, complete nor abort Alice's upload, which she then completes", async () => {
    const plan = await startMultipart(9 * MiB);
    const bob = await local.token('bob');

    const answers = await Promise.all([
      local.api('GET', `/uploads/${plan.id}`, { token: bob }),
      local.api('POST', `/uploads/${plan.id}/parts`, { token: bob, body: { partNumbers: [1] } }),
      local.api('POST', `/uploads/${plan.id}/complete`, {
        token: bob,
        body: {
          parts: [
            { partNumber: 1, etag: '"x"' },
            { partNumber: 2, etag: '"y"' },
          ],
        },
      }),
      local.api('DELETE', `/uploads/${plan.id}`, { token: bob }),
    ]);
    const etags: { partNumber: number; etag: string }[] = [];
    for (const [index, part] of plan.parts.entries()) {
      const response = await fetch(part.url, { method: 'PUT', body: patternedBytes([8 * MiB, MiB][index] ?? 0), headers: part.headers });
      etags.push({ partNumber: part.partNumber, etag: response.headers.get('etag') ?? '' });
    }
    const completed = await local.api('POST', `/uploads/${plan.id}/complete`, { body: { parts: etags } });

    expect(answers.map((answer) => [answer.status, answer.body.error.code])).toEqual(Array(4).fill([404, 'NOT_FOUND']));
    expect(completed).toMatchObject({ status: 200, body: { id: plan.id, key: plan.key, size: 9 * MiB, status: 'pending' } });
  });
});
