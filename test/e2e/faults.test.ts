/**
 * Faults over real HTTP, in the order an outage happens: the user pool's keys unreachable, then
 * S3 stopped, then the file table. Every route that needs S3 or the table answers 503
 * STORAGE_UNAVAILABLE within a bound and works again once S3 is back; the authorizer answers
 * 503, never 500; health says `degraded`; the process never crashes.
 */
import * as vm from 'node:vm';
import { patternedBytes, startTestLocalMode, textBytes, type TestLocalMode } from './local-mode';

jest.setTimeout(60_000);

const MiB = 1024 * 1024;
/**
 * How soon a 503 must come with S3 down. A stopped emulator refuses the connection at once; the
 * SDK's clients try twice with a short backoff. (A hung S3 is bounded by the 3 s timeouts instead.)
 */
const OUTAGE_ANSWER_BOUND_MS = 2000;

// Jest hands each test file a copy of `process` that never hears these events; the worker's own does.
const workerProcess = vm.runInThisContext('process') as NodeJS.Process;
const crashes: unknown[] = [];
const recordCrash = (error: unknown) => crashes.push(error);

interface MultipartPlan {
  readonly id: string;
  readonly key: string;
  readonly parts: readonly { readonly partNumber: number; readonly url: string; readonly headers: Record<string, string> }[];
}

let local: TestLocalMode;
beforeAll(async () => {
  workerProcess.on('unhandledRejection', recordCrash);
  workerProcess.on('uncaughtException', recordCrash);
  local = await startTestLocalMode({ multipartThresholdBytes: 5 * MiB });
});
afterAll(async () => {
  workerProcess.off('unhandledRejection', recordCrash);
  workerProcess.off('uncaughtException', recordCrash);
  await local?.stop();
});

/** A 6 MiB upload in one part of a plan with a 5 MiB threshold. */
async function startMultipart(filename: string): Promise<MultipartPlan> {
  const { status, body } = await local.api('POST', '/uploads', { body: { filename, contentType: 'video/mp4', size: 6 * MiB } });
  expect(status).toBe(200);
  return body;
}

describe("with the user pool's keys unreachable when the authorizer first needs them", () => {
  let token: string;
  beforeAll(async () => {
    token = await local.token('alice');
    await local.stack.cognito.stop();
  });

  it('answers 503 like a gateway whose dependency is down, never 500', async () => {
    const answer = await local.api('GET', '/files', { token });

    expect(answer).toEqual({ status: 503, body: { message: 'Service Unavailable' } });
  });

  it('verifies tokens again once the pool is back', async () => {
    await local.stack.cognito.restart();

    const answer = await local.api('GET', '/files', { token });

    expect(answer.status).toBe(200);
  });
});

describe('with S3 stopped', () => {
  let file: string;
  let toComplete: MultipartPlan;
  let toAbort: MultipartPlan;

  beforeAll(async () => {
    ({ id: file } = await local.client('alice').upload(textBytes(10), { filename: 'kept.txt', contentType: 'text/plain' }));
    toComplete = await startMultipart('completed-later.mp4');
    toAbort = await startMultipart('aborted-later.mp4');
    await local.stack.events.idle();
    await local.stack.s3.stop();
  });

  const requestsNeedingS3: [string, string, () => string, () => unknown][] = [
    [
      'POST /uploads above the multipart threshold',
      'POST',
      () => '/uploads',
      () => ({ filename: 'a.mp4', contentType: 'video/mp4', size: 6 * MiB }),
    ],
    ['GET /uploads/{id}', 'GET', () => `/uploads/${toAbort.id}`, () => undefined],
    ['POST /uploads/{id}/parts', 'POST', () => `/uploads/${toAbort.id}/parts`, () => ({ partNumbers: [1] })],
    [
      'POST /uploads/{id}/complete',
      'POST',
      () => `/uploads/${toComplete.id}/complete`,
      () => ({ parts: [{ partNumber: 1, etag: 'a'.repeat(32) }] }),
    ],
    ['DELETE /uploads/{id}', 'DELETE', () => `/uploads/${toAbort.id}`, () => undefined],
    ['DELETE /files/{id}', 'DELETE', () => `/files/${file}`, () => undefined],
  ];

  it.each(requestsNeedingS3)(`%s answers 503 STORAGE_UNAVAILABLE within ${OUTAGE_ANSWER_BOUND_MS} ms`, async (_, method, route, body) => {
    const started = performance.now();
    const answer = await local.api(method, route(), { body: body() });
    const elapsedMs = performance.now() - started;

    expect(answer.status).toBe(503);
    expect(answer.body.error).toEqual({ code: 'STORAGE_UNAVAILABLE', message: expect.any(String), requestId: expect.any(String) });
    expect(elapsedMs).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
  });

  it('still lists files and signs downloads: both read the table, and signing never calls S3', async () => {
    const listed = await local.api('GET', '/files');
    const download = await local.api('POST', '/downloads', { body: { id: file } });

    expect(listed.status).toBe(200);
    expect(download.status).toBe(200);
  });

  it('says degraded on GET /health, without a token', async () => {
    expect(await local.api('GET', '/health', { token: null })).toEqual({ status: 503, body: { status: 'degraded' } });
  });

  it('still issues single-PUT upload URLs: signing one never calls S3', async () => {
    const answer = await local.api('POST', '/uploads', { body: { filename: 'small.txt', contentType: 'text/plain', size: 5 } });

    expect(answer.status).toBe(200);
    expect(answer.body.method).toBe('PUT');
  });

  describe('once S3 is back on the same port with the same data', () => {
    beforeAll(() => local.stack.s3.restart());

    it('signs a download of a file kept through the outage', async () => {
      const answer = await local.api('POST', '/downloads', { body: { id: file } });

      expect(answer.status).toBe(200);
      expect(new Uint8Array(await (await fetch(answer.body.url)).arrayBuffer())).toEqual(textBytes(10));
    });

    it('lists files', async () => {
      const answer = await local.api('GET', '/files');

      expect(answer.status).toBe(200);
      expect(answer.body.files.map((entry: { id: string }) => entry.id)).toContain(file);
    });

    it('starts a multipart upload', async () => {
      const plan = await startMultipart('after-outage.mp4');

      expect(plan.id).toEqual(expect.any(String));
    });

    it('signs more part URLs of an upload started before the outage', async () => {
      const answer = await local.api('POST', `/uploads/${toAbort.id}/parts`, { body: { partNumbers: [1] } });

      expect(answer.status).toBe(200);
    });

    it('completes an upload started before the outage', async () => {
      const [part] = toComplete.parts;
      const sent = await fetch(part?.url ?? '', { method: 'PUT', body: patternedBytes(6 * MiB), headers: part?.headers });

      const answer = await local.api('POST', `/uploads/${toComplete.id}/complete`, {
        body: { parts: [{ partNumber: 1, etag: sent.headers.get('etag') }] },
      });

      expect(answer).toMatchObject({ status: 200, body: { id: toComplete.id, key: toComplete.key, size: 6 * MiB, status: 'pending' } });
    });

    it('aborts an upload started before the outage', async () => {
      const before = local.pendingUploads().length;

      const answer = await local.api('DELETE', `/uploads/${toAbort.id}`);

      expect(answer.status).toBe(204);
      expect(local.pendingUploads()).toHaveLength(before - 1);
    });

    it('deletes a file kept through the outage', async () => {
      expect((await local.api('DELETE', `/files/${file}`)).status).toBe(204);
    });
  });
});

describe('with the file table stopped', () => {
  beforeAll(() => local.stack.dynamoDb.stop());

  it.each([
    ['POST /uploads', 'POST', '/uploads', { filename: 'a.txt', contentType: 'text/plain', size: 5 }],
    ['GET /files', 'GET', '/files', undefined],
    ['POST /downloads', 'POST', '/downloads', { id: 'ZZZZZZZZZZZZZZZZZZZZZZ' }],
  ])(`%s answers 503 STORAGE_UNAVAILABLE within ${OUTAGE_ANSWER_BOUND_MS} ms`, async (_, method, route, body) => {
    const started = performance.now();
    const answer = await local.api(method, route, { body });
    const elapsedMs = performance.now() - started;

    expect(answer.status).toBe(503);
    expect(answer.body.error).toEqual({ code: 'STORAGE_UNAVAILABLE', message: expect.any(String), requestId: expect.any(String) });
    expect(elapsedMs).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
  });
});

describe('the process, through every fault above', () => {
  it('had no unhandled rejection and no uncaught exception', () => {
    expect(crashes).toEqual([]);
  });
});
