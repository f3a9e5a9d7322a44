/**
 * The client's control of uploads and its answers to refusals, against a scripted fake API and
 * S3: phases, pause and resume, resume after a reload, waiting for the verdict, 429 and quotas,
 * usage, cancel signals, sign-in errors. Over real HTTP, see test/e2e/client-uploads.test.ts.
 */
import { createFileClient, FileApiError, signInWithPassword, type UploadProgress, type UploadTask } from '../../client';
import { aFileRecord, API, FILE_ID, fakeFetch, json, multipartPlan, S3, type Script } from './fake-api';

const MiB = 1024 * 1024;
const UPLOAD_PATH = `/uploads/${FILE_ID}`;

/** Records every wait and returns at once: no test really sleeps. */
function fakeSleep() {
  const waits: number[] = [];
  const sleep = (ms: number, _signal?: AbortSignal) => {
    waits.push(ms);
    return Promise.resolve();
  };
  return { waits, sleep };
}

function clientWith(script: Script, retries = 3) {
  const fake = fakeFetch(script);
  const { waits, sleep } = fakeSleep();
  let clock = Date.parse('2026-12-02T00:00:00.000Z');
  const client = createFileClient({
    apiUrl: API,
    getToken: () => 'token',
    fetch: fake.fetch,
    retries,
    sleep: (ms, signal) => {
      clock += ms;
      return sleep(ms, signal);
    },
    now: () => clock,
  });
  return { client, requests: fake.requests, waits };
}

function route(routes: Record<string, (count: number, body: unknown) => Response | Promise<Response>>): Script {
  return (request, count) => {
    const path = request.url.startsWith(API) ? `${request.method} ${request.url.slice(API.length).split('?')[0]}` : undefined;
    return path && routes[path] ? routes[path](count, request.body) : undefined;
  };
}

const size = 20 * MiB;
const plan = multipartPlan(size);
const completed = () => json(aFileRecord({ size, name: 'film.mp4' }));

describe('progress', () => {
  it('goes preparing, uploading, completing, done for a multipart upload, and uploading never reaches the size', async () => {
    const events: UploadProgress[] = [];
    const { client } = clientWith(route({ 'POST /uploads': () => json(plan), [`POST ${UPLOAD_PATH}/complete`]: completed }));

    await client.upload(new Uint8Array(size), { filename: 'film.mp4', contentType: 'video/mp4', onProgress: (p) => events.push(p) });

    const phases = events.map((event) => event.phase).filter((phase, index, all) => phase !== all[index - 1]);
    expect(phases).toEqual(['preparing', 'uploading', 'completing', 'done']);
    expect(Math.max(...events.filter((event) => event.phase === 'uploading').map((event) => event.loaded))).toBeLessThan(size);
    expect(events.find((event) => event.phase === 'completing')?.loaded).toBe(size);
  });

  it('waits for the verdict when asked, polling the record until it is no longer pending', async () => {
    const events: string[] = [];
    const { client, waits } = clientWith(
      route({
        'POST /uploads': () => json({ ...plan, partCount: 1, partSize: 3, parts: [plan.parts[0]] }),
        [`POST ${UPLOAD_PATH}/complete`]: () => json(aFileRecord()),
        [`GET /files/${FILE_ID}`]: (count) => json(aFileRecord({ status: count < 3 ? 'pending' : 'available' })),
      }),
    );

    const record = await client.upload(new Uint8Array(3), {
      filename: 'a.txt',
      contentType: 'text/plain',
      waitUntilAvailable: { intervalMs: 500 },
      onProgress: (p) => events.push(p.phase),
    });

    expect(record.status).toBe('available');
    expect(waits).toEqual([500, 500, 500]);
    expect(events.slice(-2)).toEqual(['verifying', 'done']);
  });

  it('stops waiting for the verdict after its timeout and answers the pending record', async () => {
    const { client, waits } = clientWith(
      route({
        'POST /uploads': () => json({ ...plan, partCount: 1, partSize: 3, parts: [plan.parts[0]] }),
        [`POST ${UPLOAD_PATH}/complete`]: () => json(aFileRecord()),
        [`GET /files/${FILE_ID}`]: () => json(aFileRecord()),
      }),
    );

    const record = await client.upload(new Uint8Array(3), {
      filename: 'a.txt',
      contentType: 'text/plain',
      waitUntilAvailable: { intervalMs: 1000, timeoutMs: 5000 },
    });

    expect(record.status).toBe('pending');
    expect(waits).toHaveLength(5);
  });
});

describe('pause and resume', () => {
  it('pauses a multipart upload mid-part, sends nothing while paused, and resends that part on resume', async () => {
    const started: { task?: UploadTask } = {};
    let partsWhilePaused = 0;
    const { client, requests } = clientWith((request) => {
      if (!request.url.startsWith(S3))
        return route({ 'POST /uploads': () => json(plan), [`POST ${UPLOAD_PATH}/complete`]: completed })(request, 1);
      if (started.task?.paused) partsWhilePaused += 1;
      // The first PUT of part 2 pauses the upload while it is in flight: its answer never counts.
      if (request.url.includes('partNumber=2') && !requests.some((r, i) => i < requests.indexOf(request) && r.url === request.url)) {
        started.task?.pause();
        setTimeout(() => started.task?.resume(), 0);
      }
      return undefined;
    });

    const task = (started.task = client.startUpload(new Uint8Array(size), {
      filename: 'film.mp4',
      contentType: 'video/mp4',
      concurrency: 1,
    }));
    const record = await task.done;

    const puts = requests
      .filter((request) => request.method === 'PUT')
      .map((request) => new URL(request.url).searchParams.get('partNumber'));
    const complete = requests.find((request) => request.url.endsWith('/complete'));
    expect(record.status).toBe('pending');
    expect(puts).toEqual(['1', '2', '2', '3']);
    expect(partsWhilePaused).toBe(0);
    expect(complete?.body).toEqual({ parts: [1, 2, 3].map((partNumber) => ({ partNumber, etag: `"etag-${partNumber}"` })) });
    expect(requests.some((request) => request.method === 'DELETE')).toBe(false);
  });

  it('cancels a paused upload: rejects with ABORTED and aborts it in S3', async () => {
    const controller = new AbortController();
    const started: { task?: UploadTask } = {};
    const { client, requests } = clientWith((request) => {
      if (request.url.startsWith(S3) && request.url.includes('partNumber=1')) {
        started.task?.pause();
        setTimeout(() => controller.abort(), 0);
      }
      return route({ 'POST /uploads': () => json(plan) })(request, 1);
    });

    const task = (started.task = client.startUpload(new Uint8Array(size), {
      filename: 'film.mp4',
      contentType: 'video/mp4',
      concurrency: 1,
      signal: controller.signal,
    }));

    await expect(task.done).rejects.toMatchObject({ code: 'ABORTED' });
    expect(requests.filter((request) => request.method === 'DELETE').map((request) => request.url)).toEqual([`${API}${UPLOAD_PATH}`]);
  });
});

describe('resume after a reload', () => {
  it('hands out a small JSON state, then resumes from it: asks what S3 holds and sends only the other parts', async () => {
    const states: unknown[] = [];
    const first = clientWith(route({ 'POST /uploads': () => json(plan) }));
    const controller = new AbortController();
    void first.client
      .upload(new Uint8Array(size), {
        filename: 'film.mp4',
        contentType: 'video/mp4',
        signal: controller.signal,
        onResumable: (state) => {
          states.push(JSON.parse(JSON.stringify(state)));
          controller.abort();
        },
      })
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const held = {
      id: FILE_ID,
      partSize: plan.partSize,
      partCount: 3,
      uploadedParts: [{ partNumber: 1, etag: '"etag-1"', size: plan.partSize }],
    };
    const { client, requests } = clientWith(
      route({
        [`GET ${UPLOAD_PATH}`]: () => json(held),
        [`POST ${UPLOAD_PATH}/parts`]: (_count, body) =>
          json({
            id: FILE_ID,
            parts: (body as { partNumbers: number[] }).partNumbers.map((n) => plan.parts[n - 1]),
            expiresAt: plan.expiresAt,
          }),
        [`POST ${UPLOAD_PATH}/complete`]: completed,
      }),
    );

    const record = await client.upload(new Uint8Array(size), { resume: states[0] as never });

    const asked = requests.find((request) => request.url.endsWith('/parts'))?.body;
    const puts = requests
      .filter((request) => request.method === 'PUT')
      .map((request) => new URL(request.url).searchParams.get('partNumber'));
    expect(states).toEqual([{ id: FILE_ID, name: 'film.mp4', size }]);
    expect(record.size).toBe(size);
    expect(asked).toEqual({ partNumbers: [2, 3] });
    expect(puts.sort()).toEqual(['2', '3']);
    expect(requests.find((request) => request.url.endsWith('/complete'))?.body).toEqual({
      parts: [1, 2, 3].map((partNumber) => ({ partNumber, etag: `"etag-${partNumber}"` })),
    });
  });

  it('refuses to resume with a file of another size, before any request', async () => {
    const { client, requests } = clientWith(() => undefined);

    await expect(client.upload(new Uint8Array(5), { resume: { id: FILE_ID, name: 'film.mp4', size } })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect(requests).toHaveLength(0);
  });
});

describe('refusals', () => {
  const quota = { usedBytes: 900, reservedBytes: 100, quotaBytes: 1000, files: 3, maxFiles: 10 };

  it('waits out a 429’s Retry-After, then succeeds', async () => {
    const { client, waits } = clientWith(
      route({
        [`GET /files/${FILE_ID}`]: (count) =>
          count === 1
            ? new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Slow down.', retryAfter: 7 } }), {
                status: 429,
                headers: { 'retry-after': '7' },
              })
            : json(aFileRecord()),
      }),
    );

    await expect(client.get(FILE_ID)).resolves.toEqual(aFileRecord());
    expect(waits).toEqual([7000]);
  });

  it('reads Retry-After from the header when the body has none (API Gateway’s throttling)', async () => {
    const { client, waits } = clientWith(
      route({
        [`GET /files/${FILE_ID}`]: (count) =>
          count === 1
            ? new Response('{"message":"Too Many Requests"}', { status: 429, headers: { 'retry-after': '2' } })
            : json(aFileRecord()),
      }),
    );

    await client.get(FILE_ID);

    expect(waits).toEqual([2000]);
  });

  it('does not wait out a Retry-After beyond its bound: the error carries it for the app to schedule', async () => {
    const { client, waits } = clientWith(
      route({
        [`GET /files/${FILE_ID}`]: () =>
          new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Slow down.', retryAfter: 3600 } }), { status: 429 }),
      }),
    );

    const error = await client.get(FILE_ID).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FileApiError);
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfter: 3600 });
    expect(waits).toEqual([]);
  });

  it('never retries 403 QUOTA_EXCEEDED, and carries the quota figures', async () => {
    const { client, requests } = clientWith(
      route({
        'POST /uploads': () => json({ error: { code: 'QUOTA_EXCEEDED', message: 'Over quota.', quota } }, 403),
      }),
    );

    const error = await client
      .upload(new Uint8Array(3), { filename: 'a.txt', contentType: 'text/plain' })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 403, code: 'QUOTA_EXCEEDED', quota, retryable: false });
    expect(requests.filter((request) => request.url.endsWith('/uploads'))).toHaveLength(1);
  });
});

describe('other calls', () => {
  it('answers usage from GET /usage', async () => {
    const usage = {
      plan: 'default',
      ...quota(),
      maxFileBytes: 100,
      pendingUploads: 0,
      maxPendingUploads: 5,
      maxDownloadUrlTtlSeconds: 3600,
      rate: {
        upload: { limit: 60, remaining: 59, resetAt: '2026-12-02T00:01:00.000Z' },
        download: { limit: 120, remaining: 120, resetAt: '2026-12-02T00:01:00.000Z' },
      },
    };
    const { client, requests } = clientWith(route({ 'GET /usage': () => json(usage) }));

    await expect(client.usage()).resolves.toEqual(usage);
    expect(requests[0]?.headers.authorization).toBe('Bearer token');
  });

  it.each([
    ['get', (client: ReturnType<typeof createFileClient>, signal: AbortSignal) => client.get(FILE_ID, { signal })],
    ['list', (client: ReturnType<typeof createFileClient>, signal: AbortSignal) => client.list({ status: 'available', signal })],
    ['remove', (client: ReturnType<typeof createFileClient>, signal: AbortSignal) => client.remove(FILE_ID, { signal })],
    ['usage', (client: ReturnType<typeof createFileClient>, signal: AbortSignal) => client.usage({ signal })],
    [
      'getDownloadUrl',
      (client: ReturnType<typeof createFileClient>, signal: AbortSignal) =>
        client.getDownloadUrl(FILE_ID, { disposition: 'inline', signal }),
    ],
  ])('%s takes an AbortSignal and rejects with ABORTED once it fired, sending nothing', async (_name, run) => {
    const { client, requests } = clientWith(() => undefined);

    await expect(run(client, AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
    expect(requests).toHaveLength(0);
  });

  it('sends getDownloadUrl’s options in the body, not the signal', async () => {
    const { client, requests } = clientWith(route({ 'POST /downloads': () => json({}) }));

    await client.getDownloadUrl(FILE_ID, { disposition: 'attachment', expiresIn: 60, signal: new AbortController().signal });

    expect(requests[0]?.body).toEqual({ id: FILE_ID, disposition: 'attachment', expiresIn: 60 });
  });

  it('turns a refused sign-in into a FileApiError with Cognito’s type', async () => {
    const refusal = json({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }, 400);

    const error = await signInWithPassword({
      endpoint: 'https://cognito',
      clientId: 'c',
      username: 'u',
      password: 'p',
      fetch: async () => refusal,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FileApiError);
    expect(error).toMatchObject({ status: 400, code: 'COGNITO_NotAuthorizedException', message: 'Incorrect username or password.' });
  });
});

function quota() {
  return { usedBytes: 900, reservedBytes: 100, quotaBytes: 1000, files: 3, maxFiles: 10 };
}
