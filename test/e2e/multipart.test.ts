/**
 * Multipart uploads end to end, with a small threshold so they stay fast: parts in parallel,
 * an expired part URL re-signed, cancel and abort leaving nothing, and no way into another
 * user's upload.
 */
import { patternedBytes, startTestLocalMode, type TestLocalMode } from './local-mode';
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
    key: string;
    uploadId: string;
    partCount: number;
    parts: { partNumber: number; url: string; headers: Record<string, string> }[];
  };
}

describe('a multipart upload through the client', () => {
  it('sends the parts in parallel, completes, and reads back identical bytes', async () => {
    const bytes = patternedBytes(20 * MiB + 123);
    const progress: number[] = [];

    const uploaded = await local.client('alice').upload(bytes, {
      filename: 'film.mp4',
      contentType: 'video/mp4',
      concurrency: 3,
      onProgress: ({ loaded }) => progress.push(loaded),
    });
    const { url } = await local.client('alice').getDownloadUrl(uploaded.key);
    const downloaded = new Uint8Array(await (await fetch(url)).arrayBuffer());

    expect(uploaded).toEqual({ key: expect.stringMatching(/\.20971643\/film\.mp4$/), size: bytes.length });
    expect(Buffer.compare(downloaded, bytes)).toBe(0);
    expect(progress.at(-1)).toBe(bytes.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(local.pendingUploads()).toEqual([]);
  });

  it('re-signs a part URL that expired mid-upload and finishes', async () => {
    const bytes = patternedBytes(17 * MiB, 3);
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
      const { url } = await client.getDownloadUrl(uploaded.key);
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
  it('aborts an upload: 204, then it no longer exists', async () => {
    const plan = await startMultipart();
    const first = plan.parts[0];
    await fetch(first?.url ?? '', { method: 'PUT', body: patternedBytes(8 * MiB), headers: first?.headers });

    const aborted = await local.api('POST', '/uploads/abort', { body: { key: plan.key, uploadId: plan.uploadId } });
    const resign = await local.api('POST', '/uploads/parts', { body: { key: plan.key, uploadId: plan.uploadId, partNumbers: [2] } });

    expect(aborted.status).toBe(204);
    expect(resign.status).toBe(404);
    expect(local.pendingUploads()).not.toContain(plan.uploadId);
  });

  it('refuses part numbers outside the plan with 400', async () => {
    const plan = await startMultipart();

    const answer = await local.api('POST', '/uploads/parts', {
      body: { key: plan.key, uploadId: plan.uploadId, partNumbers: [plan.partCount + 1] },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_PARTS');
  });

  it('answers 404 for an upload id that is not this key’s', async () => {
    const plan = await startMultipart();
    const other = await startMultipart();

    const answer = await local.api('POST', '/uploads/parts', { body: { key: plan.key, uploadId: other.uploadId, partNumbers: [1] } });

    expect(answer.status).toBe(404);
  });

  it('refuses a completion with a wrong ETag with 400', async () => {
    const plan = await startMultipart(9 * MiB);
    const sizes = [8 * MiB, MiB];
    for (const [index, part] of plan.parts.entries()) {
      await fetch(part.url, { method: 'PUT', body: patternedBytes(sizes[index] ?? 0), headers: part.headers });
    }

    const answer = await local.api('POST', '/uploads/complete', {
      body: {
        key: plan.key,
        uploadId: plan.uploadId,
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

  it("lets Bob neither sign parts for, complete nor abort Alice's upload, which she then completes", async () => {
    const plan = await startMultipart(9 * MiB);
    const bob = await local.token('bob');
    const asBob = (route: string, body: unknown) => local.api('POST', route, { token: bob, body });

    const answers = await Promise.all([
      asBob('/uploads/parts', { key: plan.key, uploadId: plan.uploadId, partNumbers: [1] }),
      asBob('/uploads/complete', {
        key: plan.key,
        uploadId: plan.uploadId,
        parts: [
          { partNumber: 1, etag: '"x"' },
          { partNumber: 2, etag: '"y"' },
        ],
      }),
      asBob('/uploads/abort', { key: plan.key, uploadId: plan.uploadId }),
    ]);
    const etags: { partNumber: number; etag: string }[] = [];
    for (const [index, part] of plan.parts.entries()) {
      const response = await fetch(part.url, { method: 'PUT', body: patternedBytes([8 * MiB, MiB][index] ?? 0), headers: part.headers });
      etags.push({ partNumber: part.partNumber, etag: response.headers.get('etag') ?? '' });
    }
    const completed = await local.api('POST', '/uploads/complete', { body: { key: plan.key, uploadId: plan.uploadId, parts: etags } });

    expect(answers.map((answer) => [answer.status, answer.body.error.code])).toEqual([
      [403, 'FORBIDDEN_KEY'],
      [403, 'FORBIDDEN_KEY'],
      [403, 'FORBIDDEN_KEY'],
    ]);
    expect(completed).toEqual({ status: 200, body: { key: plan.key, size: 9 * MiB } });
  });
});
